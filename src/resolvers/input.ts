/** GraphQL gives absent optional arguments as null; the engine's requests leave them out. */
export type Nullable<T> = { [K in keyof T]?: T[K] | null };

export function withoutNulls<T extends object>(value: object, omit: readonly string[] = []): T {
  return Object.fromEntries(Object.entries(value).filter(([key, v]) => v !== null && v !== undefined && !omit.includes(key))) as T;
}
