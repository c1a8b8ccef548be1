import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UsageSummaryService } from '@app/deliberation';
import { UsageService } from '@app/tokens';
import { ApiErrorBody } from '../http/api-error';
import { AdapterParamDto, UsageQueryDto, UsageWindowDto } from './usage-query.dto';
import { AdapterTotalsDto, UsageOverTimeDto, UsageSummaryDto } from './usage-view.dto';

@ApiTags('usage')
@Controller('v1/usage')
export class UsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly summaries: UsageSummaryService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Token usage and cost over a time window, grouped by adapter, model, UTC day or deliberation' })
  @ApiOkResponse({ type: UsageOverTimeDto })
  @ApiBadRequestResponse({ type: ApiErrorBody, description: 'A date is not ISO-8601, from is after to, or groupBy is unknown' })
  overTime(@Query() query: UsageQueryDto): Promise<UsageOverTimeDto> {
    return this.usage.usageOverTime(query.toQuery());
  }

  // "adapters" is the name; "solutions", the first one, stays as an alias for existing clients.
  @Get(['adapters', 'solutions'])
  @ApiOperation({
    summary:
      'Lifetime token and cost totals of every adapter that has been called, with latency, success and vote-parse figures and the peak minute over from/to (also at /v1/usage/solutions)',
  })
  @ApiOkResponse({ type: AdapterTotalsDto, isArray: true })
  @ApiBadRequestResponse({ type: ApiErrorBody, description: 'A date is not ISO-8601, or from is after to' })
  adapters(@Query() query: UsageWindowDto): Promise<AdapterTotalsDto[]> {
    return this.usage.adapterTotals(query.toRange());
  }

  @Get(['adapters/:adapter', 'solutions/:adapter'])
  @ApiOperation({ summary: "One adapter's lifetime token and cost totals, with its figures over from/to (also at /v1/usage/solutions/:adapter)" })
  @ApiOkResponse({ type: AdapterTotalsDto })
  @ApiBadRequestResponse({ type: ApiErrorBody, description: 'A date is not ISO-8601, or from is after to' })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'No call of this adapter has been recorded' })
  adapter(@Param() params: AdapterParamDto, @Query() query: UsageWindowDto): Promise<AdapterTotalsDto> {
    return this.usage.adapterTotalsOf(params.adapter, query.toRange());
  }

  @Get('summary')
  @ApiOperation({
    summary:
      'Tokens per minute now and at peak, top participants, tokens after convergence, suggestions, and tokens and cost per decision with the savings of history policy and early stops (last 7 days)',
  })
  @ApiOkResponse({ type: UsageSummaryDto })
  summary(): Promise<UsageSummaryDto> {
    return this.summaries.summary();
  }
}
