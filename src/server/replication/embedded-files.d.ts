/** Files imported `with { type: "file" }`: the import is a path (in the compiled executable, one inside it). */
declare module "@flydotio/litestream-linux-x64/litestream" {
  const path: string;
  export default path;
}
