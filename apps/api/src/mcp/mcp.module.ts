import { Module } from '@nestjs/common';
import { AdaptersModule } from '@app/adapters';
import { DeliberationModule } from '@app/deliberation';
import { TieringModule } from '@app/tiering';
import { TokensModule } from '@app/tokens';
import { McpController } from './mcp.controller';
import { McpToolsService } from './mcp-tools.service';

/** The MCP face: the tools over the same use cases as the REST routes; /mcp here, stdio in apps/mcp. */
@Module({
  imports: [DeliberationModule, TokensModule, TieringModule, AdaptersModule],
  controllers: [McpController],
  providers: [McpToolsService],
  exports: [McpToolsService],
})
export class McpModule {}
