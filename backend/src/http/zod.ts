import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

// `.openapi(...)` on schemas (examples, component names) needs this once, before any schema
// module runs: import `z` from here in schemas.ts files, not from "zod".
extendZodWithOpenApi(z);

export { z };
