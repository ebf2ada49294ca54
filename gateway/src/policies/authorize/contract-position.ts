/**
 * `contracts/openapi/orders.v1.yaml:57:7`: where a key of a contract was written, for start-up
 * errors about a contract's security, found the way the route table finds its own (contract-source.ts).
 */
import { OPENAPI_DIR } from '@concord/contracts/src/paths.ts';
import { createContractLocator, formatPosition } from '../route-match/contract-source.ts';

export type ContractPosition = (contract: string, path: readonly string[]) => string;

/** The deepest key of `path` that exists in `<dir>/<contract>.yaml` (.yml, .json), as `file:line:col`. */
export function contractPosition(dir: string = OPENAPI_DIR): ContractPosition {
  const locate = createContractLocator(dir);
  return (contract, path) => formatPosition(locate(contract, path));
}
