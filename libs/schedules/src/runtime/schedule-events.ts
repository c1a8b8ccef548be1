import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { ScheduleEvent } from '../schedule.types';

/** The schedules' one event stream (GET /v1/schedules/events): live only, nothing replayed. */
@Injectable()
export class ScheduleEvents implements OnModuleDestroy {
  private readonly subject = new Subject<ScheduleEvent>();

  emit(event: ScheduleEvent): void {
    this.subject.next(event);
  }

  stream(): Observable<ScheduleEvent> {
    return this.subject.asObservable();
  }

  onModuleDestroy(): void {
    this.subject.complete();
  }
}
