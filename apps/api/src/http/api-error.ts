import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error shape every failing request gets. */
export class ApiErrorBody {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiProperty({ example: 'question must be shorter than or equal to 20000 characters' }) message: string;
  @ApiPropertyOptional({ description: 'Per-field problems, a stable code, or other structured detail' })
  details?: unknown;
}
