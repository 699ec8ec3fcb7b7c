import {
  CreateLogGroupCommand,
  paginateDescribeLogGroups,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
  type LogGroup,
} from '@aws-sdk/client-cloudwatch-logs';
import { awsCall, awsSystem } from './aws.js';
import type { Definitions, LogGroupDefinition } from './definitions.js';
import { inSequence, planItem, type Step, type System } from './plan.js';
import type { Settings } from './settings.js';

/** CloudWatch Logs groups and their retention. */
export function cloudwatchSystem(definitions: Definitions['cloudwatch'], settings: Settings['aws'], client: CloudWatchLogsClient): System {
  return awsSystem('CloudWatch Logs', settings.cloudwatchEndpoint, settings, client, () =>
    Promise.all(definitions.log_groups.map(async (group) => logGroupStep(client, group, await findLogGroup(client, group.name)))),
  );
}

/** DescribeLogGroups matches by prefix, so the exact name is picked from the pages. */
async function findLogGroup(client: CloudWatchLogsClient, name: string): Promise<LogGroup | undefined> {
  return awsCall('logs:DescribeLogGroups', async () => {
    for await (const page of paginateDescribeLogGroups({ client }, { logGroupNamePrefix: name })) {
      const group = page.logGroups?.find((g) => g.logGroupName === name);
      if (group) return group;
    }
    return undefined;
  });
}

function logGroupStep(client: CloudWatchLogsClient, group: LogGroupDefinition, actual: LogGroup | undefined): Step {
  // A group without retention keeps its logs forever: shown as "never expire" rather than undefined.
  const retention = (days: number | undefined): number | string => days ?? 'never expire';
  const item = planItem('log group', group.name, actual && { retention_in_days: retention(actual.retentionInDays) }, {
    retention_in_days: group.retention_in_days,
  });
  const createGroup = (): Promise<unknown> =>
    awsCall('logs:CreateLogGroup', () => client.send(new CreateLogGroupCommand({ logGroupName: group.name })));
  const putRetention = (): Promise<unknown> =>
    awsCall('logs:PutRetentionPolicy', () =>
      client.send(new PutRetentionPolicyCommand({ logGroupName: group.name, retentionInDays: group.retention_in_days })),
    );
  return {
    item,
    run: () =>
      inSequence([
        ...(item.action === 'create' ? [['log group created', createGroup] as const] : []),
        ['retention set', putRetention],
      ]),
  };
}
