import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerRestJson, ApiError, type AwsCall, checkSignature } from './aws-protocol.js';
import { flattenHeaders, HttpStandIn, readBody } from './http-server.js';
import { FailurePlan } from './recording.js';

export type XRayOperation = 'GetGroups' | 'CreateGroup' | 'UpdateGroup' | 'GetSamplingRules' | 'CreateSamplingRule' | 'UpdateSamplingRule';

/** An X-Ray call; its operation comes from the path: `POST /CreateGroup` is CreateGroup, `POST /Groups` is GetGroups. */
export type XRayCall = AwsCall;

/** What the stand-in answers instead of serving the next call(s). */
export type XRayFailure =
  | { kind: 'throttle' }
  /** AccessDeniedException naming the `xray:<Operation>` action, as IAM phrases it. */
  | { kind: 'access-denied' }
  | { kind: 'error'; status: number; type: string; message: string };

export interface StoredGroup {
  GroupName: string;
  GroupARN: string;
  FilterExpression: string;
  InsightsConfiguration: { InsightsEnabled: boolean; NotificationsEnabled: boolean };
}

export interface StoredSamplingRule {
  RuleName: string;
  RuleARN: string;
  ResourceARN: string;
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host: string;
  HTTPMethod: string;
  URLPath: string;
  Version: number;
  Attributes: Record<string, string>;
}

/** The operations the X-Ray API (restJson1) serves at `POST /<path>`. */
const ROUTES: Record<string, XRayOperation> = {
  '/Groups': 'GetGroups',
  '/CreateGroup': 'CreateGroup',
  '/UpdateGroup': 'UpdateGroup',
  '/GetSamplingRules': 'GetSamplingRules',
  '/CreateSamplingRule': 'CreateSamplingRule',
  '/UpdateSamplingRule': 'UpdateSamplingRule',
};

const ACCOUNT_ID = '000000000000';
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Every account has it: lowest priority, catches what no other rule does. */
const DEFAULT_RULE: Omit<StoredSamplingRule, 'RuleARN'> = {
  RuleName: 'Default',
  ResourceARN: '*',
  Priority: 10000,
  FixedRate: 0.05,
  ReservoirSize: 1,
  ServiceName: '*',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: '*',
  URLPath: '*',
  Version: 1,
  Attributes: {},
};


const invalidRequest = (message: string): ApiError => new ApiError(400, 'InvalidRequestException', message);

/**
 * The X-Ray API's groups and sampling rules on loopback, speaking the restJson1 protocol @aws-sdk/client-xray
 * sends (POST /CreateGroup with a JSON body, SigV4-signed for service `xray`), with its validation and errors.
 * The account starts with the Default sampling rule, as real ones do.
 */
export class XRayApi extends HttpStandIn {
  readonly calls: XRayCall[] = [];
  private readonly groups = new Map<string, StoredGroup>();
  private readonly rules = new Map<string, { rule: StoredSamplingRule; createdAt: number; modifiedAt: number }>();
  private readonly failures = new FailurePlan<XRayFailure, XRayOperation>();

  override async start(host?: string): Promise<{ url: string; port: number }> {
    const started = await super.start(host);
    this.reset();
    return started;
  }

  /** Back to a new account: no groups, only the Default rule; forgets calls and planned failures. */
  reset(): void {
    this.calls.length = 0;
    this.groups.clear();
    this.rules.clear();
    this.failures.clear();
    this.putRule({ ...DEFAULT_RULE, RuleARN: ruleArn('us-east-1', 'Default') });
  }

  /** The next `count` calls (of `operation`, if given) get `failure` instead of being served. */
  failNext(count: number, failure: XRayFailure, operation?: XRayOperation): void {
    this.failures.add(count, failure, operation);
  }

  callsOf(operation: XRayOperation): XRayCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  group(name: string): StoredGroup | undefined {
    return this.groups.get(name);
  }

  samplingRule(name: string): StoredSamplingRule | undefined {
    return this.rules.get(name)?.rule;
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const headers = flattenHeaders(req);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const call: XRayCall = { operation: ROUTES[path] ?? path, input: {}, headers, status: 0, errorType: undefined, signedWith: undefined };
    this.calls.push(call);
    try {
      call.signedWith = checkSignature(headers, 'xray');
      call.input = parseInput(req, path, body);
      const operation = call.operation as XRayOperation;
      const failure = this.failures.take(operation);
      if (failure) throw toApiError(failure, operation);
      this.answer(res, call, 200, this.serve(operation, call.input, call.signedWith.region));
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalFailure', String(error));
      call.errorType = apiError.type;
      this.answer(res, call, apiError.status, { message: apiError.message }, apiError.type);
    }
  }

  private serve(operation: XRayOperation, input: Record<string, unknown>, region: string): object {
    switch (operation) {
      case 'GetGroups':
        return { Groups: [...this.groups.values()] };
      case 'CreateGroup': {
        const name = requireString(input, 'GroupName', NAME_PATTERN);
        if (name === 'Default' || this.groups.has(name)) throw invalidRequest(`Group ${name} already exists`);
        const group: StoredGroup = {
          GroupName: name,
          GroupARN: `arn:aws:xray:${region}:${ACCOUNT_ID}:group/${name}/${randomUUID().replaceAll('-', '').slice(0, 24)}`,
          FilterExpression: requireString(input, 'FilterExpression'),
          InsightsConfiguration: { InsightsEnabled: false, NotificationsEnabled: false },
        };
        this.groups.set(name, group);
        return { Group: group };
      }
      case 'UpdateGroup': {
        const group = this.groups.get(requireString(input, 'GroupName', NAME_PATTERN));
        if (!group) throw invalidRequest('Group not found');
        if (input.FilterExpression !== undefined) group.FilterExpression = requireString(input, 'FilterExpression');
        return { Group: group };
      }
      case 'GetSamplingRules':
        return { SamplingRuleRecords: [...this.rules.values()].map(toRecord) };
      case 'CreateSamplingRule': {
        const rule = validRule(record(input.SamplingRule, 'SamplingRule'), region);
        if (this.rules.has(rule.RuleName)) throw invalidRequest(`Sampling rule ${rule.RuleName} already exists`);
        return { SamplingRuleRecord: toRecord(this.putRule(rule)) };
      }
      case 'UpdateSamplingRule': {
        const update = record(input.SamplingRuleUpdate, 'SamplingRuleUpdate');
        if ('Version' in update) throw invalidRequest('SamplingRuleUpdate has no Version');
        const existing = this.rules.get(String(update.RuleName));
        if (!existing) throw invalidRequest('Sampling rule does not exist');
        const rule = validRule({ ...existing.rule, ...update }, region);
        return { SamplingRuleRecord: toRecord(this.putRule(rule, existing.createdAt)) };
      }
    }
  }

  private putRule(rule: StoredSamplingRule, createdAt = Date.now()): { rule: StoredSamplingRule; createdAt: number; modifiedAt: number } {
    const stored = { rule, createdAt, modifiedAt: Date.now() };
    this.rules.set(rule.RuleName, stored);
    return stored;
  }

  private answer(res: ServerResponse, call: XRayCall, status: number, body: object, errorType?: string): void {
    call.status = status;
    answerRestJson(res, status, body, errorType);
  }
}

function toRecord({ rule, createdAt, modifiedAt }: { rule: StoredSamplingRule; createdAt: number; modifiedAt: number }): object {
  // restJson1 timestamps are epoch seconds.
  return { SamplingRule: rule, CreatedAt: createdAt / 1000, ModifiedAt: modifiedAt / 1000 };
}

/** The checks CreateSamplingRule makes: every field present, within its bounds, version 1. */
function validRule(input: Record<string, unknown>, region: string): StoredSamplingRule {
  const name = requireString(input, 'RuleName', NAME_PATTERN);
  const number = (field: string, min: number, max: number, integer: boolean): number => {
    const value = input[field];
    if (typeof value !== 'number' || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw invalidRequest(`${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return value;
  };
  const version = number('Version', 1, 1, true);
  return {
    RuleName: name,
    RuleARN: ruleArn(region, name),
    ResourceARN: requireString(input, 'ResourceARN'),
    Priority: number('Priority', 1, 9999, true),
    FixedRate: number('FixedRate', 0, 1, false),
    ReservoirSize: number('ReservoirSize', 0, Number.MAX_SAFE_INTEGER, true),
    ServiceName: requireString(input, 'ServiceName'),
    ServiceType: requireString(input, 'ServiceType'),
    Host: requireString(input, 'Host'),
    HTTPMethod: requireString(input, 'HTTPMethod'),
    URLPath: requireString(input, 'URLPath'),
    Version: version,
    Attributes: (input.Attributes ?? {}) as Record<string, string>,
  };
}

function ruleArn(region: string, name: string): string {
  return `arn:aws:xray:${region}:${ACCOUNT_ID}:sampling-rule/${name}`;
}


function parseInput(req: IncomingMessage, path: string, body: Buffer): Record<string, unknown> {
  if (req.method !== 'POST' || ROUTES[path] === undefined) throw new ApiError(404, 'UnknownOperationException', `No operation at ${req.method ?? ''} ${path}`);
  try {
    const input = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8')) as unknown;
    return record(input, 'body');
  } catch (error) {
    throw error instanceof ApiError ? error : new ApiError(400, 'SerializationException', 'Request body is not a JSON object');
  }
}

function toApiError(failure: XRayFailure, operation: XRayOperation): ApiError {
  switch (failure.kind) {
    case 'throttle':
      return new ApiError(429, 'ThrottledException', 'Rate exceeded');
    case 'access-denied':
      return new ApiError(
        403,
        'AccessDeniedException',
        `User: arn:aws:iam::${ACCOUNT_ID}:user/test is not authorized to perform: xray:${operation} on resource: *`,
      );
    case 'error':
      return new ApiError(failure.status, failure.type, failure.message);
  }
}

function requireString(input: Record<string, unknown>, field: string, pattern?: RegExp): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '' || (pattern !== undefined && !pattern.test(value))) {
    throw invalidRequest(`${field} is invalid: ${JSON.stringify(value)}`);
  }
  return value;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'SerializationException', `${what} must be a JSON object`);
  return value as Record<string, unknown>;
}
