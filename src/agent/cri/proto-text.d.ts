// `.proto` files are imported as text (`with { type: "text" }`), so the CRI schema travels
// inside the compiled executable.
declare module "*.proto" {
  const text: string;
  export default text;
}
