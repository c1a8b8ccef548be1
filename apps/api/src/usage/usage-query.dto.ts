import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { USAGE_GROUP_BY, type UsageGroupBy, type UsageQuery, type UsageRange } from '@app/tokens';
import { IsDateQuery, IsNotBefore } from '../http/date-range';

/** A usage window: from/to as every usage route takes them. */
export class UsageWindowDto {
  @ApiPropertyOptional({ description: 'Start of the window, inclusive (ISO-8601). Default: 30 days before `to`.', example: '2025-11-01T00:00:00Z' })
  @IsOptional()
  @IsDateQuery('2025-11-01T00:00:00Z')
  from?: string;

  @ApiPropertyOptional({ description: 'End of the window, exclusive (ISO-8601). Default: now.', example: '2025-12-01T00:00:00Z' })
  @IsOptional()
  @IsDateQuery('2025-12-01T00:00:00Z')
  @IsNotBefore('from')
  to?: string;

  toRange(): UsageRange {
    return {
      from: this.from === undefined ? undefined : new Date(this.from),
      to: this.to === undefined ? undefined : new Date(this.to),
    };
  }
}

export class UsageQueryDto extends UsageWindowDto {
  @ApiPropertyOptional({ enum: USAGE_GROUP_BY, default: 'adapter' })
  @IsOptional()
  @IsIn(USAGE_GROUP_BY, { message: `groupBy must be one of ${USAGE_GROUP_BY.join(', ')}` })
  groupBy?: UsageGroupBy;

  toQuery(): UsageQuery {
    return { ...this.toRange(), groupBy: this.groupBy ?? 'adapter' };
  }
}

export class AdapterParamDto {
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { message: 'adapter must be an adapter name: letters, digits, "_", "." or "-", at most 64' })
  adapter: string;
}
