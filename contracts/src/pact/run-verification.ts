import { brokerSettings, publishPacts, type BrokerSettings } from './broker.ts';
import { createContractChecker, type ContractCheckOptions } from './contract-check.ts';
import { readPactDir, type PactFile } from './pact-file.ts';
import type { ContractBinding } from './provider-contracts.ts';
import { providerVersion as gitProviderVersion, writeResults, type VerificationRecord } from './verification-results.ts';

export type { InteractionFailure } from './verify-pact.ts';
import type { InteractionFailure } from './verify-pact.ts';

/**
 * Starts real providers and replays pacts against them: createProviderRunner (configured-runner.ts)
 * from pacts/providers.yaml.
 */
export interface ProviderRunner {
  providers(): string[];
  /** The contracts a provider promises, for the pact-vs-contract check; default pacts/providers.yaml. */
  contracts?(provider: string): ContractBinding[] | undefined;
  verify(
    pact: PactFile,
    options: { publish?: { brokerUrl: string; providerVersion: string; branch?: string } },
  ): Promise<{ passed: boolean; failures: InteractionFailure[] }>;
}

export interface RunVerificationOptions {
  pactsDir: string;
  runner: ProviderRunner;
  /** Write pacts/verification-results.json (default true). */
  record?: boolean;
  /** Only these pact files (names); default every pact. */
  only?: string[];
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  providerVersion?: string;
  check?: ContractCheckOptions;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface RunVerificationResult {
  records: VerificationRecord[];
  ok: boolean;
  /** Where pacts and results went, when PACT_BROKER_BASE_URL was set. */
  broker?: BrokerSettings;
}

/** `concord verify`: the pact-vs-contract check and provider verification of every pact, recorded per pact. */
export async function runVerification(options: RunVerificationOptions): Promise<RunVerificationResult> {
  const log = options.log ?? (() => {});
  const all = readPactDir(options.pactsDir);
  const pacts = options.only ? all.filter((p) => options.only!.includes(p.name)) : all;
  const version = options.providerVersion ?? gitProviderVersion();
  const broker = brokerSettings(options.env ?? process.env);
  if (broker) {
    log(`publishing ${pacts.length} pacts to ${broker.baseUrl} as version ${version}`);
    await publishPacts(pacts, version, broker, options.fetch);
  }
  const contracts = options.runner.contracts?.bind(options.runner);
  const checker = createContractChecker({ ...(contracts ? { bindings: contracts } : {}), ...options.check });
  const known = new Set(options.runner.providers());
  const records: VerificationRecord[] = [];
  for (const pact of pacts) {
    const findings = checker.check(pact);
    const failures: string[] = findings.flatMap((f) =>
      f.problems.map(
        (p) => `contract check: ${f.consumer} -> ${f.provider}: "${f.interaction}"${f.operation ? ` (${f.operation})` : ''}: ${p}`,
      ),
    );
    let verification: 'passed' | 'failed' = 'failed';
    if (!known.has(pact.provider)) {
      failures.push(`verification: no provider named ${pact.provider} can be started (known: ${[...known].join(', ')})`);
    } else {
      const result = await options.runner.verify(
        pact,
        broker
          ? { publish: { brokerUrl: broker.baseUrl, providerVersion: version, ...(broker.branch ? { branch: broker.branch } : {}) } }
          : {},
      );
      verification = result.passed ? 'passed' : 'failed';
      failures.push(...result.failures.map((f) => `verification: ${pact.consumer} -> ${pact.provider}: "${f.interaction}": ${f.mismatch}`));
    }
    const record: VerificationRecord = {
      pact: pact.name,
      consumer: pact.consumer,
      provider: pact.provider,
      contentHash: pact.contentHash,
      providerVersion: version,
      verification,
      contractCheck: findings.length === 0 ? 'passed' : 'failed',
      failures,
      verifiedAt: (options.now?.() ?? new Date()).toISOString(),
    };
    records.push(record);
    log(
      `${record.verification === 'passed' && record.contractCheck === 'passed' ? 'ok  ' : 'FAIL'} ${pact.consumer} -> ${pact.provider} (${pact.name})`,
    );
    for (const line of failures) log(`     ${line}`);
  }
  if (options.record ?? true)
    writeResults(
      options.pactsDir,
      records,
      all.map((p) => p.name),
    );
  return { records, ok: records.every((r) => r.verification === 'passed' && r.contractCheck === 'passed'), ...(broker ? { broker } : {}) };
}
