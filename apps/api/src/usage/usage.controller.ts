import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UsageSummaryService } from '@app/deliberation';
import { UsageService } from '@app/tokens';
import { ApiErrorBody } from '../http/api-error';
import { AdapterParamDto, UsageQueryDto } from './usage-query.dto';
import { SolutionTotalsDto, UsageOverTimeDto, UsageSummaryDto } from './usage-view.dto';

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

  @Get('solutions')
  @ApiOperation({ summary: 'Lifetime token and cost totals of every adapter that has been called' })
  @ApiOkResponse({ type: SolutionTotalsDto, isArray: true })
  solutions(): Promise<SolutionTotalsDto[]> {
    return this.usage.solutions();
  }

  @Get('solutions/:adapter')
  @ApiOperation({ summary: "One adapter's lifetime token and cost totals" })
  @ApiOkResponse({ type: SolutionTotalsDto })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'No call of this adapter has been recorded' })
  solution(@Param() params: AdapterParamDto): Promise<SolutionTotalsDto> {
    return this.usage.solution(params.adapter);
  }

  @Get('summary')
  @ApiOperation({
    summary: 'Tokens per minute now and at peak, top participants, tokens after convergence, suggestions, and tokens and cost per decision with the savings of history policy and early stops (last 7 days)',
  })
  @ApiOkResponse({ type: UsageSummaryDto })
  summary(): Promise<UsageSummaryDto> {
    return this.summaries.summary();
  }
}
