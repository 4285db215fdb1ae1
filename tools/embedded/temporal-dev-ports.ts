import fs from 'node:fs';
import { canBind, freeTemporalPort } from '../cluster/ports';
import { TEMPORAL_SERVICES, type ServicePorts, type TemporalService } from '../cluster/temporal-config';

// The ports of the one-machine server's four services. They are kept beside the SQLite file and taken
// again at the next start: the services find each other through the file's membership table, and a
// restart on the ports the previous process left there joins at once, where new ones would first wait
// for the old, dead addresses to time out.

/** `frontendPort` 0 takes the remembered one, or a free one. */
export async function devServerPorts(
  frontendPort: number,
  portsFile: string,
): Promise<Record<TemporalService, ServicePorts>> {
  const remembered = readPorts(portsFile);
  const taken = new Set<number>();
  const pick = async (wanted: number | undefined): Promise<number> => {
    let port =
      wanted !== undefined && !taken.has(wanted) && (await canBind(wanted)) ? wanted : await freeTemporalPort();
    while (taken.has(port)) port = await freeTemporalPort();
    taken.add(port);
    return port;
  };
  const ports = {} as Record<TemporalService, ServicePorts>;
  for (const service of TEMPORAL_SERVICES) {
    const before = remembered?.[service];
    // A frontend port the caller chose is used even when taken: the caller reports that, by name.
    const grpc = service === 'frontend' && frontendPort !== 0 ? frontendPort : await pick(before?.grpc);
    taken.add(grpc);
    ports[service] = {
      grpc,
      membership: await pick(before?.membership),
      ...(service === 'frontend' ? { http: await pick(before?.http) } : {}),
    };
  }
  fs.writeFileSync(portsFile, `${JSON.stringify(ports, null, 2)}\n`);
  return ports;
}

function readPorts(file: string): Partial<Record<TemporalService, Partial<ServicePorts>>> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Record<TemporalService, Partial<ServicePorts>>>;
  } catch {
    return undefined;
  }
}
