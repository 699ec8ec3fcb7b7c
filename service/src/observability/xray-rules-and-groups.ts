import {
  CreateGroupCommand,
  CreateSamplingRuleCommand,
  paginateGetGroups,
  paginateGetSamplingRules,
  UpdateGroupCommand,
  UpdateSamplingRuleCommand,
  type GroupSummary,
  type SamplingRule,
  type XRayClient,
} from '@aws-sdk/client-xray';
import { awsCall, awsSystem } from './aws.js';
import type { Definitions, GroupDefinition, SamplingRuleDefinition } from './definitions.js';
import { planItem, type Step, type System } from './plan.js';
import type { Settings } from './settings.js';

/** X-Ray sampling rules and groups, keyed by name, compared field by field in the definitions' terms. */
export function xraySystem(definitions: Definitions['xray'], settings: Settings['aws'], client: XRayClient): System {
  return awsSystem('X-Ray', settings.xrayEndpoint, settings, client, async () => {
    const [rules, groups] = await Promise.all([samplingRules(client), groupSummaries(client)]);
    return [
      ...definitions.sampling_rules.map((rule) => samplingRuleStep(client, rule, rules.get(rule.name))),
      ...definitions.groups.map((group) => groupStep(client, group, groups.get(group.name))),
    ];
  });
}

async function samplingRules(client: XRayClient): Promise<Map<string, SamplingRule>> {
  const rules = new Map<string, SamplingRule>();
  await awsCall('xray:GetSamplingRules', async () => {
    for await (const page of paginateGetSamplingRules({ client }, {})) {
      for (const record of page.SamplingRuleRecords ?? []) {
        if (record.SamplingRule?.RuleName !== undefined) rules.set(record.SamplingRule.RuleName, record.SamplingRule);
      }
    }
  });
  return rules;
}

async function groupSummaries(client: XRayClient): Promise<Map<string, GroupSummary>> {
  const groups = new Map<string, GroupSummary>();
  await awsCall('xray:GetGroups', async () => {
    for await (const page of paginateGetGroups({ client }, {})) {
      for (const group of page.Groups ?? []) {
        if (group.GroupName !== undefined) groups.set(group.GroupName, group);
      }
    }
  });
  return groups;
}

/**
 * A rule's compared fields, in the definitions' terms. Version is not compared: UpdateSamplingRule cannot change it
 * (and version 1 is the only one).
 */
function comparedRuleFields(rule: Omit<SamplingRule, 'Version'>): Record<string, unknown> {
  return {
    priority: rule.Priority,
    fixed_rate: rule.FixedRate,
    reservoir_size: rule.ReservoirSize,
    service_name: rule.ServiceName,
    service_type: rule.ServiceType,
    host: rule.Host,
    http_method: rule.HTTPMethod,
    url_path: rule.URLPath,
    resource_arn: rule.ResourceARN,
  };
}

/** What CreateSamplingRule and UpdateSamplingRule have in common (all but Version). */
function ruleUpdate(rule: SamplingRuleDefinition): Omit<SamplingRule, 'Version'> {
  return {
    RuleName: rule.name,
    Priority: rule.priority,
    FixedRate: rule.fixed_rate,
    ReservoirSize: rule.reservoir_size,
    ServiceName: rule.service_name,
    ServiceType: rule.service_type,
    Host: rule.host,
    HTTPMethod: rule.http_method,
    URLPath: rule.url_path,
    ResourceARN: rule.resource_arn,
  };
}

function samplingRuleStep(client: XRayClient, rule: SamplingRuleDefinition, actual: SamplingRule | undefined): Step {
  const item = planItem('sampling rule', rule.name, actual && comparedRuleFields(actual), comparedRuleFields(ruleUpdate(rule)));
  return {
    item,
    async run() {
      if (item.action === 'create') {
        const created = { ...ruleUpdate(rule), Version: rule.version };
        await awsCall('xray:CreateSamplingRule', () => client.send(new CreateSamplingRuleCommand({ SamplingRule: created })));
      } else {
        await awsCall('xray:UpdateSamplingRule', () => client.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: ruleUpdate(rule) })));
      }
    },
  };
}

function groupStep(client: XRayClient, group: GroupDefinition, actual: GroupSummary | undefined): Step {
  const item = planItem('group', group.name, actual && { filter_expression: actual.FilterExpression }, {
    filter_expression: group.filter_expression,
  });
  const input = { GroupName: group.name, FilterExpression: group.filter_expression };
  return {
    item,
    async run() {
      if (item.action === 'create') await awsCall('xray:CreateGroup', () => client.send(new CreateGroupCommand(input)));
      else await awsCall('xray:UpdateGroup', () => client.send(new UpdateGroupCommand(input)));
    },
  };
}
