// workerd host (through miniflare): the job is POSTed to the worker; the answer is the body.
import { probe } from "./probe.js";
export default {
  async fetch(request: Request): Promise<Response> {
    return new Response(await probe(await request.text()));
  },
};
