/**
 * Whether a store key names an object called `name`: its last segment, as every key ends with
 * the object's name (`/configmaps/ns/name`, `/nodes/name`). Judged from the key alone, so a
 * reader of one name among thousands of objects parses none of the others.
 */
export function keyHasName(key: string, name: string): boolean {
  return key.length > name.length && key.endsWith(name) && key.charCodeAt(key.length - name.length - 1) === 47; // "/"
}
