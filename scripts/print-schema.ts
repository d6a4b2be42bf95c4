/** Writes schema.graphql from the code-first schema (the file is committed; a test keeps it current). */
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { buildSchema } from '../src/schema/index.js';

writeFileSync(new URL('../schema.graphql', import.meta.url), printSchema(buildSchema()) + '\n');
