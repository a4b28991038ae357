import { readdir } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { isCommand, type Command } from "./command.ts";

const COMMANDS_DIR = fileURLToPath(new URL("../commands/", import.meta.url));

/**
 * Imports every command module in src/commands (one command per file). A file whose default export is not a
 * command is reported through `onSkip`, never silently ignored.
 */
export async function loadCommands(onSkip: (file: string, reason: string) => void = () => undefined): Promise<Map<string, Command>> {
  const commands = new Map<string, Command>();
  const files = (await readdir(COMMANDS_DIR)).filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts")).sort();
  for (const file of files) {
    const module = (await import(pathToFileURL(join(COMMANDS_DIR, file)).href)) as { default?: unknown };
    if (!isCommand(module.default)) {
      onSkip(file, "its default export is not a command (kind, data, execute)");
      continue;
    }
    if (commands.has(module.default.data.name)) {
      onSkip(file, `a command named ${module.default.data.name} is already loaded`);
      continue;
    }
    commands.set(module.default.data.name, module.default);
  }
  return commands;
}
