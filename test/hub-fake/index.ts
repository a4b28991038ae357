export { HubFake } from "./hub-fake.ts";
export type { HubFakeOptions } from "./hub-fake.ts";
export type { RecordedRequest } from "./http-helpers.ts";
export { folderFiles } from "./folder-files.ts";
