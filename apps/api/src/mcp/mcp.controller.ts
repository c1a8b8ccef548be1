import { Controller, Delete, Get, Logger, type OnModuleDestroy, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import type { Request, Response } from 'express';
import { McpToolsService } from './mcp-tools.service';

/**
 * MCP over streamable HTTP at /mcp, stateless: every request gets a fresh server from the same tools
 * (the SDK's createMcpHandler), so any process behind a load balancer can answer any request. It serves
 * both protocol eras (2026-07-28 per-request, and 2025's initialize handshake served statelessly; GET
 * and DELETE, 2025 session operations, answer 405). A route like any other: the global ApiKeyGuard
 * refuses a missing or wrong key with 401 before the MCP layer sees the request. Not in the OpenAPI
 * document, which describes the REST API.
 */
@ApiExcludeController()
@Controller('mcp')
export class McpController implements OnModuleDestroy {
  private readonly logger = new Logger('Mcp');
  private readonly handler: McpHttpHandler;
  private readonly handle: NodeMcpRequestHandler;

  constructor(tools: McpToolsService) {
    this.handler = createMcpHandler(() => tools.createServer(), {
      onerror: (error) => this.logger.debug({ err: error }, 'MCP request refused or failed'),
    });
    this.handle = toNodeHandler(this.handler);
  }

  /** A closing app ends the exchanges still open (a deliberate waiting for its end) instead of waiting for them. */
  onModuleDestroy(): Promise<void> {
    return this.handler.close();
  }

  @Post()
  post(@Req() req: Request, @Res() res: Response): Promise<void> {
    // Express has parsed a JSON body already; the handler reads the stream itself otherwise.
    return this.handle(req, res, req.body);
  }

  @Get()
  get(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.handle(req, res);
  }

  @Delete()
  delete(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.handle(req, res);
  }
}
