import { Body, Controller, Delete, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Query, Res, Sse, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { DeliberationService, EstimateService } from '@app/deliberation';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';
import { ApiErrorBody } from '../http/api-error';
import { linksFor, withLinks } from './deliberation-links';
import { CreateDeliberationDto, CreateQueryDto, ListQueryDto, PauseQueryDto, RoundParamDto } from './deliberation.dto';
import { CheckpointSummaryDto, DeliberationEventDto, DeliberationPageDto, DeliberationViewDto } from './deliberation-view.dto';
import { DeliberationTokensDto, RoundTokensDto } from '../usage/usage-view.dto';

interface SseMessage {
  id: string;
  type: string;
  data: unknown;
}

@ApiTags('deliberations')
@ApiBearerAuth()
@ApiBadRequestResponse({ type: ApiErrorBody })
@Controller('v1/deliberations')
export class DeliberationsController {
  constructor(
    private readonly deliberations: DeliberationService,
    private readonly estimates: EstimateService,
  ) {}

  @Post()
  @HttpCode(202)
  @UseGuards(ThrottlerGuard)
  @ApiAcceptedResponse({
    description:
      '{ id, status, links }; with ?wait=true, 200 and the finished deliberation. Answered from memory (memory: reuse) it is completed at once: status "completed".',
  })
  @ApiTooManyRequestsResponse({ type: ApiErrorBody, description: 'Rate limit or full queue; see Retry-After' })
  async create(@Body() body: CreateDeliberationDto, @Query() query: CreateQueryDto, @Res({ passthrough: true }) res: Response) {
    const view = await this.deliberations.start(body, { force: query.force });
    if (!query.wait) return { id: view.id, status: view.status, links: linksFor(view.id) };
    const finished = await this.deliberations.waitForEnd(view.id);
    if (!['queued', 'running'].includes(finished.status)) res.status(200);
    return withLinks(finished);
  }

  @Post('estimate')
  @HttpCode(200)
  @ApiOkResponse({
    description:
      "Predicted tokens and cost per round and in total (low / expected / high) for the same body as a create, with the budget windows' room and whether it fits. Nothing is called or stored.",
  })
  estimate(@Body() body: CreateDeliberationDto) {
    return this.estimates.estimate(body);
  }

  @Get()
  @ApiOkResponse({ type: DeliberationPageDto, description: '{ items, nextCursor }, newest first' })
  async list(@Query() query: ListQueryDto) {
    const page = await this.deliberations.list(query);
    return { ...page, items: page.items.map(withLinks) };
  }

  @Get(':id')
  @ApiOkResponse({ type: DeliberationViewDto, description: 'The whole state: status, rounds, responses, votes, convergence, result' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    return withLinks(await this.deliberations.get(id));
  }

  @Get(':id/transcript')
  @Header('Content-Type', 'text/markdown; charset=utf-8')
  @ApiProduces('text/markdown')
  @ApiNotFoundResponse({ type: ApiErrorBody })
  transcript(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.deliberations.transcript(id);
  }

  @Sse(':id/events')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    type: DeliberationEventDto,
    description: 'Server-Sent Events (each data line one event); a late subscriber first gets what already happened',
  })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  async events(@Param('id', new ParseUUIDPipe()) id: string): Promise<Observable<SseMessage>> {
    const events = await this.deliberations.events(id);
    return events.pipe(map((e) => ({ id: String(e.seq), type: e.type, data: e })));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({
    description:
      'Deletes a completed, failed or cancelled deliberation: its rounds, answers, checkpoints and decision. Its token_usage rows stay (the ledger is an audit record; budget history does not change).',
  })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Queued, running, paused or interrupted (the message names its status): cancel it first' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  async remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.deliberations.delete(id);
  }

  @Post(':id/pause')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: DeliberationViewDto,
    description:
      'A person pauses the deliberation: the calls in flight finish (or are cut with ?now=true, keeping the answers that arrived), a checkpoint is saved and it stands paused with pause.reason "person"; resume from the checkpoint as after any pause. With ?wait=true, 200 once it has stopped.',
  })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Not queued or running (the message names its status)' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  async pause(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: PauseQueryDto, @Res({ passthrough: true }) res: Response) {
    const view = await this.deliberations.pause(id, { now: query.now ?? false, wait: query.wait ?? false });
    if (query.wait) res.status(200);
    return withLinks(view);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: DeliberationViewDto, description: 'The deliberation, cancelled; stored state is kept' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  async cancel(@Param('id', new ParseUUIDPipe()) id: string) {
    return withLinks(await this.deliberations.cancel(id));
  }

  @Get(':id/tokens')
  @ApiOkResponse({ type: DeliberationTokensDto, description: '{ deliberationId, totals, byParticipant, byRound }' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  tokens(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.deliberations.tokens(id);
  }

  @Get(':id/rounds/:n/tokens')
  @ApiOkResponse({ type: RoundTokensDto, description: '{ deliberationId, round, totals, calls }' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  roundTokens(@Param() params: RoundParamDto) {
    return this.deliberations.roundTokens(params.id, params.n);
  }

  @Get(':id/checkpoints')
  @ApiOkResponse({ type: CheckpointSummaryDto, isArray: true, description: "The deliberation's checkpoints, oldest first" })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  checkpoints(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.deliberations.checkpoints(id);
  }
}
