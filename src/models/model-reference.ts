/** What a user may name as a model: a hub repository (with an optional revision) or a local folder. */
import { isAbsolute, resolve } from "node:path";
import { ModelNotUsableError } from "./errors.ts";

export type ModelReference =
  | Readonly<{ kind: "hub"; repo: string; revision: string }>
  | Readonly<{ kind: "local"; path: string }>;

/** The revision used when none is given, as huggingface_hub does. */
export const DEFAULT_REVISION = "main";

/** `owner/name`, with the characters the hub allows in repository ids. */
const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/**
 * Parses `owner/name[@revision]` or a folder path (`./x`, `../x`, `/x`, `~/x`).
 * @example parseModelReference("onnx-community/stable-diffusion-v1-5-ONNX@main")
 */
export function parseModelReference(text: string): ModelReference {
  const value = text.trim();
  if (value.startsWith(".") || value.startsWith("~") || isAbsolute(value)) {
    const expanded = value.startsWith("~") ? `${process.env.HOME ?? ""}${value.slice(1)}` : value;
    return { kind: "local", path: resolve(expanded) };
  }
  const at = value.lastIndexOf("@");
  const repo = at > 0 ? value.slice(0, at) : value;
  const revision = at > 0 ? value.slice(at + 1) : DEFAULT_REVISION;
  if (!REPO_ID.test(repo) || revision === "" || /\s/.test(revision)) {
    throw new ModelNotUsableError(`"${text}" is not a registered model name (npm run models -- list), a Hugging Face repository (owner/name[@revision]) or a folder path (start it with ./ or /)`);
  }
  return { kind: "hub", repo, revision };
}

/** The name a hub model is registered under when none is given: the repository's own name, lowercased. */
export function defaultModelName(repo: string): string {
  return (repo.split("/").pop() ?? repo).toLowerCase();
}

/** Names of registered models: used as folder-free keys and in Discord autocomplete later. */
export const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
