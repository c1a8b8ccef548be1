import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliAdapterConfig, AdapterTier } from '@app/config';
import { makeUsage, unavailableUsage, type TokenizerService } from '@app/tokens';
import { AdapterError, type AdapterErrorKind, type InvokeRequest, type InvokeResult, type ModelAdapter } from '../adapter.types';
import { cliInvocation, type CliInvocation, type CliProvider } from '../provider-defaults';
import { cleanCliOutput, stripAnsi } from '../rules/clean-cli-output';
import { safeExcerpt } from '../rules/excerpt';
import { isSafeModelName, modelPolicyFor, type ModelPolicy } from '../rules/model-name';
import { isExecutable } from './find-executable';

export interface CliAdapterOptions {
  tokenizer: TokenizerService;
  /** The resolved absolute path of the executable (see findExecutable). */
  executable: string;
  /** Strings to scrub from excerpts (e.g. keys the CLI might echo); usually none. */
  secrets?: readonly string[];
}

/**
 * Runs a local CLI per call. No shell: the prompt is one argv element (or stdin), so nothing in it is
 * interpreted. The child leads its own process group (`detached`), so a timeout or cancel kills the CLI and
 * everything it started. CLIs report no usage, so counts are tiktoken estimates. No retries: a CLI that
 * exits non-zero rarely succeeds on an immediate second run, and the engine decides what to do next.
 */
export class CliAdapter implements ModelAdapter {
  readonly kind = 'cli' as const;
  readonly name: string;
  readonly provider: CliProvider;
  readonly tier: AdapterTier;
  readonly models: { fast: string; reasoning: string };
  readonly enabled: boolean;
  readonly concurrency: number;
  readonly contextTokens: number;
  readonly executable: string;
  readonly modelPolicy: ModelPolicy;
  /** Output beyond this is a runaway process, not an answer: the call fails and nothing of it is kept. */
  private readonly maxResponseBytes: number;
  private readonly timeoutMs: number;
  private readonly extraArgs: readonly string[];
  private readonly tokenizer: TokenizerService;
  private readonly secrets: readonly string[];

  constructor(config: CliAdapterConfig, options: CliAdapterOptions) {
    this.name = config.name;
    this.provider = config.provider;
    this.tier = config.tier;
    this.models = { ...config.models };
    this.enabled = config.enabled;
    this.concurrency = config.concurrency;
    this.contextTokens = config.contextTokens;
    this.timeoutMs = config.timeoutMs;
    this.maxResponseBytes = config.maxResponseBytes;
    this.modelPolicy = modelPolicyFor(config, false);
    this.extraArgs = [...config.args];
    this.executable = options.executable;
    this.tokenizer = options.tokenizer;
    this.secrets = options.secrets ?? [];
  }

  probe(): Promise<boolean> {
    return Promise.resolve(isExecutable(this.executable));
  }

  async invoke(request: InvokeRequest): Promise<InvokeResult> {
    const started = Date.now();
    // The registry refuses these at create; this guard keeps any other path (a request stored before the
    // check, a future caller) from putting a flag or a path into argv. The adapter's own models are config.
    if (!this.modelPolicy.own.includes(request.model) && !isSafeModelName(request.model, { slash: false })) {
      throw this.fail('model_refused', `${this.name}: model ${JSON.stringify(request.model)} is not a safe model name`, request.model);
    }
    const call = {
      model: request.model,
      prompt: request.prompt,
      systemPrompt: request.systemPrompt,
      maxOutputTokens: request.maxOutputTokens,
      extraArgs: this.extraArgs,
    };
    let invocation = cliInvocation(this.provider, call);
    let tempDir: string | undefined;
    try {
      if (invocation.needsPromptFile) {
        tempDir = await mkdtemp(join(tmpdir(), 'conclave-prompt-'));
        const promptFile = join(tempDir, 'prompt.txt');
        await writeFile(promptFile, request.systemPrompt ? `${request.systemPrompt}\n\n${request.prompt}` : request.prompt, { mode: 0o600 });
        invocation = cliInvocation(this.provider, { ...call, promptFile });
      }
      const stdout = await this.run(invocation, request);
      const text = cleanCliOutput(this.provider, stdout);
      // countAsync: up to maxResponseBytes of output must not hold the event loop while counted.
      const usage = makeUsage(
        { adapter: this.name, provider: this.provider, model: request.model },
        {
          inputTokens: (await this.tokenizer.countAsync(request.prompt, request.model)) + this.tokenizer.count(request.systemPrompt ?? '', request.model),
          outputTokens: await this.tokenizer.countAsync(text, request.model),
        },
        'estimated',
      );
      return { text, usage, latencyMs: Date.now() - started };
    } finally {
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    }
  }

  private run(invocation: CliInvocation, request: InvokeRequest): Promise<string> {
    return new Promise((resolve, reject) => {
      if (request.signal.aborted) return reject(this.fail('cancelled', `${this.name}: call cancelled`, request.model));
      const child = spawn(this.executable, invocation.args, {
        detached: true,
        shell: false,
        stdio: [invocation.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let settled = false;

      const finish = (error: AdapterError | undefined, value?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value ?? '');
      };
      const killGroup = () => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const onAbort = () => {
        killGroup();
        finish(this.fail('cancelled', `${this.name}: call cancelled`, request.model));
      };
      const timer = setTimeout(() => {
        killGroup();
        finish(this.fail('timeout', `${this.name}: ${this.executable} gave no answer within ${this.timeoutMs} ms`, request.model, { retryable: true }));
      }, this.timeoutMs);
      request.signal.addEventListener('abort', onAbort, { once: true });

      child.stdout!.on('data', (chunk: Buffer) => {
        if (settled) return;
        outBytes += chunk.length;
        if (outBytes > this.maxResponseBytes) {
          killGroup();
          out.length = 0;
          finish(
            this.fail(
              'response_too_large',
              `${this.name}: output passed maxResponseBytes (${this.maxResponseBytes} bytes); the process was stopped`,
              request.model,
            ),
          );
          return;
        }
        out.push(chunk);
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        // Only the tail matters for the excerpt; keep a bounded window of the latest chunks.
        err.push(chunk);
        errBytes += chunk.length;
        while (errBytes > 64 * 1024 && err.length > 1) errBytes -= err.shift()!.length;
      });
      child.on('error', (e) => {
        finish(this.fail('process_exit', `${this.name}: could not run ${this.executable} (${e.message})`, request.model));
      });
      child.on('close', (code, signal) => {
        if (code === 0) return finish(undefined, Buffer.concat(out).toString('utf8'));
        const stderr = stripAnsi(Buffer.concat(err).toString('utf8'));
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        finish(
          this.fail('process_exit', `${this.name}: ${this.executable} ${how}`, request.model, {
            excerpt: stderr || stripAnsi(Buffer.concat(out).toString('utf8')),
          }),
        );
      });
      if (invocation.stdin !== undefined && child.stdin) {
        // A CLI that exits before reading all of stdin raises EPIPE here; its exit code tells the story.
        child.stdin.on('error', () => undefined);
        child.stdin.end(invocation.stdin);
      }
    });
  }

  private fail(kind: AdapterErrorKind, message: string, model: string, options: AdapterError['options'] = {}): AdapterError {
    const excerpt = options.excerpt === undefined ? undefined : safeExcerpt(options.excerpt, this.secrets, 'tail');
    return new AdapterError(kind, message, unavailableUsage({ adapter: this.name, provider: this.provider, model }), { ...options, excerpt });
  }
}
