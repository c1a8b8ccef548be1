import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { USAGE_GROUP_BY, type UsageGroupBy, type UsageQuery } from '@app/tokens';
import { ISO_DATE, IsNotBefore } from '../http/date-range';

export class UsageQueryDto {
  @ApiPropertyOptional({ description: 'Start of the window, inclusive (ISO-8601). Default: 30 days before `to`.', example: '2025-11-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601(ISO_DATE, { message: 'from must be an ISO-8601 date or date-time, e.g. 2025-11-01 or 2025-11-01T00:00:00Z' })
  from?: string;

  @ApiPropertyOptional({ description: 'End of the window, exclusive (ISO-8601). Default: now.', example: '2025-12-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601(ISO_DATE, { message: 'to must be an ISO-8601 date or date-time, e.g. 2025-12-01 or 2025-12-01T00:00:00Z' })
  @IsNotBefore('from')
  to?: string;

  @ApiPropertyOptional({ enum: USAGE_GROUP_BY, default: 'adapter' })
  @IsOptional()
  @IsIn(USAGE_GROUP_BY, { message: `groupBy must be one of ${USAGE_GROUP_BY.join(', ')}` })
  groupBy?: UsageGroupBy;

  toQuery(): UsageQuery {
    return {
      from: this.from === undefined ? undefined : new Date(this.from),
      to: this.to === undefined ? undefined : new Date(this.to),
      groupBy: this.groupBy ?? 'adapter',
    };
  }
}

export class AdapterParamDto {
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { message: 'adapter must be an adapter name: letters, digits, "_", "." or "-", at most 64' })
  adapter: string;
}
