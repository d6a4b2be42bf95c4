/**
 * Compiles a JSON schema into the value grammar the decoding automaton walks. Only what
 * the automaton can guarantee is accepted; any other keyword is refused up front, by name,
 * so a request never runs under a constraint that would quietly be ignored.
 */
import { badInput } from '../../../errors.js';
import type { ResponseFormat } from '../types.js';

export interface PropertyNode {
  name: string;
  /** The key as it is generated: JSON-quoted, non-ASCII escaped. */
  key: string;
  node: ValueNode;
  required: boolean;
}

export type ValueNode =
  | { kind: 'string'; maxLength: number }
  | { kind: 'number'; integer: boolean }
  | { kind: 'literal'; texts: string[] }
  | { kind: 'object'; props: PropertyNode[]; additional: ValueNode | null }
  | { kind: 'array'; items: ValueNode; minItems: number; maxItems: number }
  | { kind: 'anyOf'; options: ValueNode[] };


const SUPPORTED = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'enum',
  'const',
  'items',
  'minItems',
  'maxItems',
  'anyOf',
  'maxLength',
  // Annotations: they never change which values are valid.
  'title',
  'description',
  '$schema',
  '$id',
  '$comment',
  'examples',
  'default',
]);

const MAX_DEPTH = 32;

/** JSON text made of ASCII only, so every character has a single-byte token in byte-level vocabularies. */
export const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const nonNegativeInt = (v: unknown, path: string, keyword: string): number => {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw badInput(`${path}.${keyword} must be an integer >= 0.`, { parameter: 'responseFormat.schema', path });
  return v as number;
};

const STRING: ValueNode = { kind: 'string', maxLength: Infinity };
const NUMBER: ValueNode = { kind: 'number', integer: false };
const BOOLEAN: ValueNode = { kind: 'literal', texts: ['true', 'false'] };
const NULL: ValueNode = { kind: 'literal', texts: ['null'] };

/** Any JSON value; objects take any keys. Built once because it refers to itself. */
export const ANY_VALUE: ValueNode = (() => {
  const any: { kind: 'anyOf'; options: ValueNode[] } = { kind: 'anyOf', options: [] };
  any.options.push({ kind: 'object', props: [], additional: any }, { kind: 'array', items: any, minItems: 0, maxItems: Infinity }, STRING, NUMBER, BOOLEAN, NULL);
  return any;
})();

export const ANY_OBJECT: ValueNode = { kind: 'object', props: [], additional: ANY_VALUE };

function compileNode(schema: unknown, path: string, depth: number): ValueNode {
  if (depth > MAX_DEPTH) throw badInput(`The schema nests deeper than ${MAX_DEPTH} levels.`, { parameter: 'responseFormat.schema', path });
  if (schema === true) return ANY_VALUE;
  if (!isObject(schema)) throw badInput(`${path} must be a schema object.`, { parameter: 'responseFormat.schema', path });
  const unsupported = Object.keys(schema).filter((k) => !SUPPORTED.has(k));
  if (unsupported.length > 0) {
    throw badInput(`Unsupported JSON-schema keyword${unsupported.length > 1 ? 's' : ''} at ${path}: ${unsupported.join(', ')}.`, {
      parameter: 'responseFormat.schema',
      path,
      keywords: unsupported,
    });
  }
  if ('const' in schema) return { kind: 'literal', texts: [asciiJson(schema.const)] };
  if ('enum' in schema) {
    if (!Array.isArray(schema.enum) || schema.enum.length === 0) throw badInput(`${path}.enum must be a non-empty list.`, { parameter: 'responseFormat.schema', path });
    return { kind: 'literal', texts: [...new Set(schema.enum.map(asciiJson))] };
  }
  if ('anyOf' in schema) {
    if (!Array.isArray(schema.anyOf) || schema.anyOf.length === 0) throw badInput(`${path}.anyOf must be a non-empty list.`, { parameter: 'responseFormat.schema', path });
    const others = Object.keys(schema).filter((k) => k !== 'anyOf' && SUPPORTED.has(k) && !['title', 'description', '$schema', '$id', '$comment', 'examples', 'default'].includes(k));
    if (others.length > 0) throw badInput(`Put ${others.join(', ')} inside each anyOf branch at ${path}.`, { parameter: 'responseFormat.schema', path, keywords: others });
    return { kind: 'anyOf', options: schema.anyOf.map((s, i) => compileNode(s, `${path}.anyOf[${i}]`, depth + 1)) };
  }
  const types = schema.type === undefined ? null : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types === null) return 'properties' in schema ? compileTyped('object', schema, path, depth) : ANY_VALUE;
  if (types.length === 0) throw badInput(`${path}.type must name at least one type.`, { parameter: 'responseFormat.schema', path });
  const options = types.map((t) => compileTyped(t, schema, path, depth));
  return options.length === 1 ? options[0] : { kind: 'anyOf', options };
}

function compileTyped(type: unknown, schema: Record<string, unknown>, path: string, depth: number): ValueNode {
  switch (type) {
    case 'string':
      return { kind: 'string', maxLength: schema.maxLength === undefined ? Infinity : nonNegativeInt(schema.maxLength, path, 'maxLength') };
    case 'number':
      return NUMBER;
    case 'integer':
      return { kind: 'number', integer: true };
    case 'boolean':
      return BOOLEAN;
    case 'null':
      return NULL;
    case 'array': {
      const minItems = schema.minItems === undefined ? 0 : nonNegativeInt(schema.minItems, path, 'minItems');
      const maxItems = schema.maxItems === undefined ? Infinity : nonNegativeInt(schema.maxItems, path, 'maxItems');
      if (maxItems < minItems) throw badInput(`${path}: maxItems is below minItems.`, { parameter: 'responseFormat.schema', path });
      const items = schema.items === undefined ? ANY_VALUE : compileNode(schema.items, `${path}.items`, depth + 1);
      return { kind: 'array', items, minItems, maxItems };
    }
    case 'object':
      return compileObject(schema, path, depth);
    default:
      throw badInput(`${path}.type ${JSON.stringify(type)} is not a JSON-schema type.`, { parameter: 'responseFormat.schema', path });
  }
}

function compileObject(schema: Record<string, unknown>, path: string, depth: number): ValueNode {
  const properties = schema.properties === undefined ? {} : schema.properties;
  if (!isObject(properties)) throw badInput(`${path}.properties must be an object.`, { parameter: 'responseFormat.schema', path });
  const required = schema.required === undefined ? [] : schema.required;
  if (!Array.isArray(required) || required.some((r) => typeof r !== 'string')) {
    throw badInput(`${path}.required must be a list of property names.`, { parameter: 'responseFormat.schema', path });
  }
  const missing = required.filter((r) => !(r in properties));
  const additionalSchema = schema.additionalProperties;
  if (missing.length > 0 && additionalSchema === false) {
    throw badInput(`${path} requires ${missing.join(', ')} but does not allow them as properties.`, { parameter: 'responseFormat.schema', path });
  }
  // Required names without a property schema may hold any value.
  const entries: [string, unknown][] = [...Object.entries(properties), ...missing.map((name): [string, unknown] => [name, true])];
  const props = entries.map(([name, sub]) => ({
    name,
    key: asciiJson(name),
    node: compileNode(sub, `${path}.properties.${name}`, depth + 1),
    required: required.includes(name),
  }));
  // Declared properties are generated in schema order and nothing else; extra keys only
  // when no property is declared, so an open object still has a finite grammar.
  let additional: ValueNode | null = null;
  if (props.length === 0 && additionalSchema !== false) {
    additional = additionalSchema === undefined || additionalSchema === true ? ANY_VALUE : compileNode(additionalSchema, `${path}.additionalProperties`, depth + 1);
  }
  return { kind: 'object', props, additional };
}

const MAX_SCHEMA_BYTES = 64 * 1024;

/** The grammar of a response format; throws BAD_USER_INPUT naming what it cannot honour. */
export function compileResponseFormat(format: ResponseFormat): ValueNode {
  if (!isObject(format) || (format.type !== 'json_object' && format.type !== 'json_schema')) {
    throw badInput('responseFormat.type must be json_object or json_schema.', { parameter: 'responseFormat.type' });
  }
  if (format.type === 'json_object') return ANY_OBJECT;
  if (format.schema === undefined || format.schema === null) throw badInput('responseFormat.schema is required for json_schema.', { parameter: 'responseFormat.schema' });
  const size = JSON.stringify(format.schema).length;
  if (size > MAX_SCHEMA_BYTES) throw badInput(`responseFormat.schema is ${size} bytes; at most ${MAX_SCHEMA_BYTES}.`, { parameter: 'responseFormat.schema' });
  return compileNode(format.schema, '$', 0);
}

export { compileNode as compileSchema };
