#!/usr/bin/env node
import 'reflect-metadata';
import { ConfigError, loadConfig, redactDatabaseUrl } from '@app/config';

/**
 * `conclave-mcp`: Conclave's MCP tools over stdio, for clients that launch a command (Claude Code,
 * Codex, Gemini CLI...). stdout carries protocol messages only; everything else goes to stderr.
 *
 * - With CONCLAVE_URL (and CONCLAVE_API_KEY when the service has one): a bridge to that service's /mcp.
 *   Each message from the client is sent on with the SDK's own streamable HTTP client transport and
 *   each answer (progress notifications included) written back. The tools stay defined once, in the
 *   service, so the two transports cannot drift; the service checks the key and answers a wrong one
 *   with 401, which the bridge turns into an error answer naming the cause.
 * - Without it: the service itself, in this process (the app factory on the default SQLite file or
 *   CONCLAVE_DB, listening on 127.0.0.1 on a free port so its REST API is reachable too, logs on
 *   stderr), with the tools served straight from it.
 */

function log(line: string): void {
  process.stderr.write(`conclave-mcp: ${line}\n`);
}

interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: string | number;
  method?: string;
}

async function bridge(url: string, apiKey: string | undefined): Promise<void> {
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const { StdioServerTransport } = await import('@modelcontextprotocol/server/stdio');
  const endpoint = new URL('mcp', url.endsWith('/') ? url : `${url}/`);
  const remote = new StreamableHTTPClientTransport(endpoint, apiKey ? { requestInit: { headers: { Authorization: `Bearer ${apiKey}` } } } : undefined);
  const local = new StdioServerTransport();
  local.onmessage = (message) => {
    remote.send(message).catch((e: unknown) => {
      const m = message as JsonRpcMessage;
      const cause = e instanceof Error ? e.message : String(e);
      log(`${m.method ?? 'a message'} could not reach ${endpoint.href}: ${cause}`);
      // A request must get an answer, or the client waits for it until its own timeout.
      if (m.method !== undefined && m.id !== undefined) {
        void local.send({ jsonrpc: '2.0', id: m.id, error: { code: -32603, message: `Conclave at ${endpoint.href} refused or did not answer: ${cause}` } });
      }
    });
  };
  remote.onmessage = (message) => void local.send(message);
  remote.onerror = (e) => log(`from ${endpoint.href}: ${e.message}`);
  local.onclose = () => void remote.close().finally(() => process.exit(0));
  await remote.start();
  await local.start();
  log(`forwarding to ${endpoint.href}`);
}

async function inProcess(): Promise<void> {
  let config;
  try {
    config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1' });
  } catch (e) {
    if (e instanceof ConfigError) {
      log(e.message);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const { openDatabase } = await import('../../api/src/database/open-database');
  const lock = await openDatabase(config.database.path);
  const { createApp } = await import('../../api/src/app.factory');
  const { McpToolsService } = await import('../../api/src/mcp/mcp-tools.service');
  const { serveStdio } = await import('@modelcontextprotocol/server/stdio');
  const app = await createApp(config, lock, { logToStderr: true });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const tools = app.get(McpToolsService);
  const handle = serveStdio(() => tools.createServer(), { onerror: (e) => log(e.message) });
  log(`serving the tools in-process; database ${redactDatabaseUrl(config.database.path)}; REST API on http://127.0.0.1:${port}`);
  // The client closing stdin ends the session: runs are interrupted at a safe point (resumable) and the lock released.
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    void handle
      .close()
      .then(() => app.close())
      .finally(() => process.exit(0));
  };
  process.stdin.once('end', shutdown);
  process.stdin.once('close', shutdown);
}

const url = process.env.CONCLAVE_URL;
(url ? bridge(url, process.env.CONCLAVE_API_KEY) : inProcess()).catch((e: unknown) => {
  log(`failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
