import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DeliberationService, ResumeService } from '@app/deliberation';
import { ApiErrorBody } from '../http/api-error';
import { IncludeQueryDto, ResumeDto } from '../deliberations/deliberation.dto';
import { CheckpointSummaryDto } from '../deliberations/deliberation-view.dto';

@ApiTags('checkpoints')
@ApiBearerAuth()
@Controller('v1/checkpoints')
export class CheckpointsController {
  constructor(
    private readonly deliberations: DeliberationService,
    private readonly resumes: ResumeService,
  ) {}

  @Get(':id')
  @ApiOkResponse({ type: CheckpointSummaryDto, description: 'Size, round, reason, created at; the state with ?include=state' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: IncludeQueryDto) {
    return this.deliberations.checkpoint(id, query.include === 'state');
  }

  @Post(':id/resume')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: '{ id, status, resumedFromCheckpointId } or, for a fork, { id, status, parentId, forkedFromCheckpointId }' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'The deliberation is running, or another resume of this checkpoint is under way' })
  resume(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: ResumeDto) {
    return this.resumes.resume(id, body);
  }
}
