import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BudgetLedger } from '@app/tiering';
import { ApiErrorBody } from '../http/api-error';
import {
  BudgetAuditDto,
  EnforcementDto,
  EnforcementView,
  ReasonDto,
  UpdateBudgetWindowDto,
  WindowHistoryDto,
  WindowParamDto,
  WindowStatusDto,
} from './budget.dto';

@ApiTags('budgets')
@Controller('v1/budgets')
export class BudgetsController {
  constructor(private readonly ledger: BudgetLedger) {}

  @Get('status')
  @ApiOperation({ summary: 'Each budget window: limits, used, reserved, remaining, zone, burn rate, forecast, next reset' })
  @ApiOkResponse({ type: WindowStatusDto, isArray: true })
  status(): Promise<WindowStatusDto[]> {
    return this.ledger.currentStatus();
  }

  // Declared before ':window', which would otherwise take "enforcement" as a window name.
  @Put('enforcement')
  @ApiOperation({
    summary: "Switch the windows' enforcement on or off (audited with the reason); off, usage still counts and a deliberation's own budget still holds",
  })
  @ApiOkResponse({ type: EnforcementView })
  enforcement(@Body() body: EnforcementDto): Promise<EnforcementView> {
    return this.ledger.setEnforcement(body.enabled, body.reason);
  }

  @Get('enforcement')
  @ApiOkResponse({ type: EnforcementView })
  enforcing(): EnforcementView {
    return this.ledger.enforcing();
  }

  @Post(':window/reset')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reset a window by hand: its open period counts from zero again (audited with the reason and what was used)' })
  @ApiOkResponse({ type: WindowStatusDto })
  @ApiBadRequestResponse({ type: ApiErrorBody, description: 'Unknown window, or no reason' })
  reset(@Param() params: WindowParamDto, @Body() body: ReasonDto): Promise<WindowStatusDto> {
    return this.ledger.reset(params.window, body.reason);
  }

  @Get('audit')
  @ApiOperation({ summary: 'Every change to the budgets, newest first: limits, resets, the enforcement switch' })
  @ApiOkResponse({ type: BudgetAuditDto, isArray: true })
  audit(): Promise<BudgetAuditDto[]> {
    return this.ledger.audit();
  }

  @Put(':window')
  @ApiOperation({ summary: "Change a window's limits; they win over the config and survive restarts" })
  @ApiOkResponse({ type: WindowStatusDto })
  @ApiBadRequestResponse({ type: ApiErrorBody, description: 'Unknown window, or a limit that is not positive, or softCap outside 0..1' })
  update(@Param() params: WindowParamDto, @Body() body: UpdateBudgetWindowDto): Promise<WindowStatusDto> {
    return this.ledger.updateWindow(params.window, body);
  }

  @Get('history')
  @ApiOperation({ summary: 'Past windows, newest first: used against the limit, mid-window forecast against the actual' })
  @ApiOkResponse({ type: WindowHistoryDto, isArray: true })
  history(): Promise<WindowHistoryDto[]> {
    return this.ledger.history();
  }
}
