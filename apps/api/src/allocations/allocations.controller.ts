import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AllocationAudit } from '@app/tiering';
import { ApiErrorBody } from '../http/api-error';
import { AllocationDto, AllocationQueryDto, AllocationRangeDto, AllocationStatsDto } from './allocation.dto';

@ApiTags('allocations')
@Controller('v1/allocations')
export class AllocationsController {
  constructor(private readonly audit: AllocationAudit) {}

  @Get()
  @ApiOperation({ summary: 'Tier decisions (at most 1000): model recommended and used per participant and round, and why' })
  @ApiOkResponse({ type: AllocationDto, isArray: true })
  @ApiBadRequestResponse({ type: ApiErrorBody, description: 'A date is not ISO-8601, from is after to, or the deliberation id is malformed' })
  list(@Query() query: AllocationQueryDto): Promise<AllocationDto[]> {
    return this.audit.list(query.toQuery());
  }

  @Get('stats')
  @ApiOperation({ summary: 'Override rate and share of calls per tier' })
  @ApiOkResponse({ type: AllocationStatsDto })
  @ApiBadRequestResponse({ type: ApiErrorBody, description: 'A date is not ISO-8601 or from is after to' })
  stats(@Query() query: AllocationRangeDto): Promise<AllocationStatsDto> {
    return this.audit.stats({ from: query.from, to: query.to });
  }
}
