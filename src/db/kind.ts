/** Which database a URL opens; its own module so the migrator and the opener can both name it. */
export type DatabaseKind = 'sqlite' | 'postgres';
