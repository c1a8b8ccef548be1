import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DecisionMemory } from '@app/deliberation';
import { ApiErrorBody } from '../http/api-error';
import { DecisionSearchDto, DecisionSearchQueryDto, DecisionStatsDto, DecisionViewDto } from './decision.dto';

@ApiTags('decisions')
@ApiBearerAuth()
@ApiBadRequestResponse({ type: ApiErrorBody })
@Controller('v1/decisions')
export class DecisionsController {
  constructor(private readonly memory: DecisionMemory) {}

  @Get()
  @ApiOkResponse({ type: DecisionSearchDto, description: 'Past decisions similar to q (question + context), scored; newest first among equals' })
  async search(@Query() query: DecisionSearchQueryDto) {
    return { items: await this.memory.search(query) };
  }

  // Before :id, which would otherwise take "stats" for an id.
  @Get('stats')
  @ApiOkResponse({ type: DecisionStatsDto, description: 'Decisions stored, per outcome, and what reuse saved' })
  stats() {
    return this.memory.stats();
  }

  @Get(':id')
  @ApiOkResponse({ type: DecisionViewDto })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.memory.get(id);
  }
}
