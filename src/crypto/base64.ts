/** Strict base64 lives in the bytes seam (src/bytes), shared by the Node and Web Crypto backends. */
export { strictDecode64, strictEncode64 } from "../bytes/index.js";
