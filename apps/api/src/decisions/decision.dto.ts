import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNumber, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { MAX_QUERY_CHARS, type DecisionHit, type DecisionStats, type DecisionView } from '@app/deliberation';
import { MEMORY_MODE_VALUES, TallyEntryDto } from '../deliberations/deliberation-view.dto';

export class DecisionSearchQueryDto {
  @ApiProperty({ description: 'The question (and context) to find similar past decisions for', maxLength: MAX_QUERY_CHARS })
  @IsString()
  @Length(1, MAX_QUERY_CHARS, { message: `q must be 1 to ${MAX_QUERY_CHARS} characters` })
  q: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0, description: 'Least similarity (TF-IDF cosine); a hit always shares a word with q' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  minSimilarity?: number;
}

class DecisionParticipantDto {
  @ApiProperty() adapter: string;
  @ApiProperty({ type: String, nullable: true }) model: string | null;
  @ApiProperty() stance: string;
  @ApiProperty({ type: String, nullable: true }) role: string | null;
}

class DecisionVariantDto {
  @ApiProperty() option: string;
  @ApiProperty({ type: Number, isArray: true }) participants: number[];
}

class DecisionReuseDto {
  @ApiProperty({ description: 'Deliberations answered from this decision' }) hits: number;
  @ApiProperty() tokensSaved: number;
}

export class DecisionViewDto {
  @ApiProperty({ description: "The decision's id: its deliberation's" }) id: string;
  @ApiProperty() deliberationId: string;
  @ApiProperty() question: string;
  @ApiProperty({ type: String, nullable: true, description: "The context's opening sentences" }) contextDigest: string | null;
  @ApiProperty({ type: DecisionParticipantDto, isArray: true }) participants: DecisionParticipantDto[];
  @ApiProperty({ enum: ['unanimous', 'majority', 'plurality', 'tie', 'no_votes'] }) outcome: string;
  @ApiProperty({ type: String, nullable: true }) winningOption: string | null;
  @ApiProperty({ type: DecisionVariantDto, isArray: true, description: "The winning option's wordings as voted" }) variants: DecisionVariantDto[];
  @ApiProperty({ type: TallyEntryDto, isArray: true }) tally: TallyEntryDto[];
  @ApiProperty({ type: Number, nullable: true, description: "The winning option's average confidence" }) confidence: number | null;
  @ApiProperty({ type: Object, nullable: true, description: "The chair's synthesis, as in the deliberation's result" }) synthesis: object | null;
  @ApiProperty() stopReason: string;
  @ApiProperty() rounds: number;
  @ApiProperty() tokens: number;
  @ApiProperty({ type: Number, nullable: true }) costUsd: number | null;
  @ApiProperty() decidedAt: string;
  @ApiProperty({ description: 'How its similarity vector was made (tfidf)' }) vectorKind: string;
  @ApiProperty({ type: DecisionReuseDto }) reuse: DecisionReuseDto;
}

export class DecisionHitDto extends DecisionViewDto {
  @ApiProperty({ description: 'TF-IDF cosine of its question + context with q' }) similarity: number;
}

export class DecisionSearchDto {
  @ApiProperty({ type: DecisionHitDto, isArray: true, description: 'Most similar first, newest first among equals' }) items: DecisionHitDto[];
}

class DecisionReuseStatsDto {
  @ApiProperty() hits: number;
  @ApiProperty() tokensSaved: number;
  @ApiProperty({ type: Number, nullable: true }) costSavedUsd: number | null;
}

export class DecisionStatsDto {
  @ApiProperty() count: number;
  @ApiProperty({ description: 'Stored decisions per outcome', example: { unanimous: 3, majority: 1 } }) outcomes: Record<string, number>;
  @ApiProperty({ description: 'What the stored decisions cost when they were made' }) tokens: number;
  @ApiProperty({ type: Number, nullable: true }) costUsd: number | null;
  @ApiProperty({ type: DecisionReuseStatsDto }) reuse: DecisionReuseStatsDto;
}

export { MEMORY_MODE_VALUES };

type Conforms<Engine, Documented> = [Engine] extends [Documented] ? true : never;
export const DECISION_SHAPES_CONFORM: [
  Conforms<DecisionView, DecisionViewDto>,
  Conforms<DecisionHit, DecisionHitDto>,
  Conforms<DecisionStats, DecisionStatsDto>,
] = [true, true, true];
