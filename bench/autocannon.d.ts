// The part of autocannon's API bench/load.ts uses (autocannon ships no types; @types/autocannon is
// not a dependency of this project).
declare module "autocannon" {
  namespace autocannon {
    interface Request {
      method?: "GET" | "POST";
      path?: string;
      headers?: Record<string, string>;
    }
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      /** Stop after this many requests instead of after `duration`. */
      amount?: number;
      /** Seconds before a request counts as timed out (default 10). */
      timeout?: number;
      headers?: Record<string, string>;
      requests?: Request[];
    }
    interface Histogram {
      average: number;
      total: number;
    }
    interface Result {
      requests: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats?: Record<string, { count: number }>;
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
