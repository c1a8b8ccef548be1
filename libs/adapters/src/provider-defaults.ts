import { CLI_PROVIDERS, HTTP_PROVIDERS } from '@app/config';

export type CliProvider = (typeof CLI_PROVIDERS)[number];
export type HttpProvider = (typeof HTTP_PROVIDERS)[number];

/** Where each HTTP provider lives unless the config says otherwise. OpenAI-style bases end in /v1. */
export const DEFAULT_BASE_URLS: Record<HttpProvider, string> = {
  ollama: 'http://127.0.0.1:11434',
  openai: 'https://api.openai.com/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  lmstudio: 'http://127.0.0.1:1234/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
};

/**
 * HTTP providers whose model names contain "/" (openrouter `openai/gpt-4o`, ollama `hf.co/org/m:tag`,
 * lmstudio `qwen/qwen3-4b`, vLLM-style `org/model` behind the openai wire). Anthropic and Gemini names
 * never do, and Gemini's goes into the URL path, so "/" is refused there.
 */
export const MODEL_NAMES_WITH_SLASH: Record<HttpProvider, boolean> = {
  ollama: true,
  openai: true,
  openrouter: true,
  lmstudio: true,
  anthropic: false,
  gemini: false,
};

/** The executable each CLI provider runs unless the config names another. */
export const DEFAULT_CLI_COMMANDS: Record<CliProvider, string> = {
  claude: 'claude',
  codex: 'codex',
  gemini: 'gemini',
  droid: 'droid',
  llamacpp: 'llama-cli',
};

/**
 * Prompts longer than this go through stdin (or a file for llama.cpp): Linux caps one argv string at
 * 128 KiB, and a long argv shows up in every `ps` listing.
 */
export const LONG_PROMPT_BYTES = 100_000;

export interface CliCall {
  model: string;
  prompt: string;
  systemPrompt?: string;
  maxOutputTokens?: number;
  /** Fixed arguments from the config, placed after the subcommand (if any) and before the prompt. */
  extraArgs: readonly string[];
  /** Path of a file already holding the prompt; only llama.cpp, which reads prompts from files, not stdin. */
  promptFile?: string;
}

export interface CliInvocation {
  args: string[];
  /** Text written to the child's stdin, then closed; undefined means stdin is not connected. */
  stdin?: string;
  /** llama.cpp only: the prompt must be written to a file and the invocation rebuilt with promptFile. */
  needsPromptFile?: boolean;
}

function joinSystem(call: CliCall): string {
  return call.systemPrompt ? `${call.systemPrompt}\n\n${call.prompt}` : call.prompt;
}

export function isLongPrompt(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') > LONG_PROMPT_BYTES;
}

/**
 * The argument vector each CLI expects (never a shell string). Pure, so every shape is a table test.
 * The model goes as one `--model=<m>` element wherever the CLI's parser takes that form (claude and droid:
 * commander, gemini: yargs, codex: clap), so even a name starting with "-" could not become a flag of its
 * own; llama.cpp's parser has no `=` form, so there the safe-name check (rules/model-name) is the guard.
 *
 * - claude:   claude [args] -p <prompt> --model=<m> [--append-system-prompt <s>]; long: prompt on stdin, `-p` alone
 * - codex:    codex exec [args] --model=<m> <prompt>; long: `-` as the prompt, text on stdin
 * - gemini:   gemini [args] -p <prompt> --model=<m>; long: text on stdin with `--model=<m>` only (non-interactive when stdin is piped)
 * - droid:    droid exec [args] --model=<m> <prompt>; long: text on stdin.
 * - llamacpp: llama-cli [args] -m <m> -p <prompt> -no-cnv --no-display-prompt [-n <max>]; long: `-f <file>`
 *             (llama-cli reads prompt files, not stdin). `-no-cnv` stops it waiting for chat input.
 * Codex, Gemini, Droid and llama.cpp have no system-prompt flag: the system text leads the prompt. Only
 * llama.cpp has an output-token flag (`-n`); the others have none for a one-shot call.
 */
export function cliInvocation(provider: CliProvider, call: CliCall): CliInvocation {
  const { model, extraArgs } = call;
  const modelArg = `--model=${model}`;
  switch (provider) {
    case 'claude': {
      const system = call.systemPrompt ? ['--append-system-prompt', call.systemPrompt] : [];
      if (isLongPrompt(call.prompt)) return { args: [...extraArgs, '-p', modelArg, ...system], stdin: call.prompt };
      return { args: [...extraArgs, '-p', call.prompt, modelArg, ...system] };
    }
    case 'codex': {
      const prompt = joinSystem(call);
      if (isLongPrompt(prompt)) return { args: ['exec', ...extraArgs, modelArg, '-'], stdin: prompt };
      return { args: ['exec', ...extraArgs, modelArg, prompt] };
    }
    case 'gemini': {
      const prompt = joinSystem(call);
      if (isLongPrompt(prompt)) return { args: [...extraArgs, modelArg], stdin: prompt };
      return { args: [...extraArgs, '-p', prompt, modelArg] };
    }
    case 'droid': {
      const prompt = joinSystem(call);
      if (isLongPrompt(prompt)) return { args: ['exec', ...extraArgs, modelArg], stdin: prompt };
      return { args: ['exec', ...extraArgs, modelArg, prompt] };
    }
    case 'llamacpp': {
      const prompt = joinSystem(call);
      const limit = call.maxOutputTokens ? ['-n', String(call.maxOutputTokens)] : [];
      const tail = ['-no-cnv', '--no-display-prompt', ...limit];
      if (call.promptFile) return { args: [...extraArgs, '-m', model, '-f', call.promptFile, ...tail] };
      if (isLongPrompt(prompt)) return { args: [], needsPromptFile: true };
      return { args: [...extraArgs, '-m', model, '-p', prompt, ...tail] };
    }
  }
}
