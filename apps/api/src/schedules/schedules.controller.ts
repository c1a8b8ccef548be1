import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Sse } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { ScheduleEvents, ScheduleService } from '@app/schedules';
import { map, Observable } from 'rxjs';
import { ApiErrorBody } from '../http/api-error';
import { CreateScheduleDto, RunsQueryDto, ScheduleEventDto, ScheduleRunDto, ScheduleViewDto, UpdateScheduleDto } from './schedule.dto';

@ApiTags('schedules')
@ApiBearerAuth()
@ApiBadRequestResponse({ type: ApiErrorBody })
@Controller('v1/schedules')
export class SchedulesController {
  constructor(
    private readonly schedules: ScheduleService,
    private readonly events: ScheduleEvents,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: ScheduleViewDto })
  create(@Body() body: CreateScheduleDto) {
    return this.schedules.create(body);
  }

  @Get()
  @ApiOkResponse({ type: ScheduleViewDto, isArray: true, description: 'Every schedule, oldest first' })
  list() {
    return this.schedules.list();
  }

  // Declared before ':id'.
  @Sse('events')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    type: ScheduleEventDto,
    description: 'Server-Sent Events of every schedule: runs started, finished, skipped, missed; schedules paused and resumed (live only)',
  })
  stream(): Observable<{ type: string; data: unknown }> {
    return this.events.stream().pipe(map((e) => ({ type: e.type, data: e })));
  }

  @Get(':id')
  @ApiOkResponse({ type: ScheduleViewDto })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.schedules.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ScheduleViewDto })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateScheduleDto) {
    return this.schedules.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: "Deleted with its runs; the runs' deliberations are kept" })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  remove(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.schedules.remove(id);
  }

  @Post(':id/run')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: ScheduleRunDto, description: 'One run now, governed like a tick (it may be skipped: budget)' })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'A run of this schedule is going on' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  run(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.schedules.runNow(id);
  }

  @Get(':id/runs')
  @ApiOkResponse({ type: ScheduleRunDto, isArray: true, description: 'Newest first' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  runs(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: RunsQueryDto) {
    return this.schedules.runs(id, query.limit ?? 50);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOkResponse({ type: ScheduleViewDto, description: 'Active and enabled again; failures before now no longer count' })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Neither paused nor disabled' })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  resume(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.schedules.resume(id);
  }
}
