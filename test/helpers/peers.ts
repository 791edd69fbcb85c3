/**
 * Real peers the integration suites talk to: Docker Engine, Distribution
 * (docker-registry), skopeo, umoci. Each is looked up once; a suite whose peer
 * is absent is skipped with one banner line saying which peer and why. When
 * STRATA_REQUIRE_PEERS=1 (set by .ci/run), an absent peer fails the suite
 * instead: CI must run them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { skipBanner } from './skip';

export type PeerName = 'docker' | 'registry' | 'skopeo' | 'umoci';

const found = new Map<PeerName, string | null>();

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Why a peer is unusable here, or null when it answers. */
export function peerMissing(peer: PeerName): string | null {
  if (found.has(peer)) return found.get(peer)!;
  let why: string | null = null;
  switch (peer) {
    case 'docker': {
      const sock = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
      if (!onPath('docker')) why = 'the docker client is not installed (apt-get install docker.io)';
      else if (sock.startsWith('/') && !fs.existsSync(sock)) why = `no Docker Engine socket at ${sock} (start dockerd; .ci/run does)`;
      else if (spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore', timeout: 15000 }).status !== 0) {
        why = 'the Docker Engine does not answer `docker version`';
      }
      break;
    }
    case 'registry':
      if (!onPath('docker-registry')) why = 'Distribution is not installed (apt-get install docker-registry)';
      break;
    case 'skopeo':
      if (!onPath('skopeo')) why = 'skopeo is not installed (apt-get install skopeo)';
      break;
    case 'umoci':
      if (!onPath('umoci')) why = 'umoci is not installed (apt-get install umoci)';
      break;
  }
  found.set(peer, why);
  return why;
}

/** describe when every peer answers; otherwise a skipped describe and a one-line banner (a failure under STRATA_REQUIRE_PEERS=1). */
export function describeWithPeers(peers: PeerName[]): jest.Describe {
  const missing = peers.map((p) => [p, peerMissing(p)] as const).filter(([, why]) => why);
  if (missing.length === 0) return describe;
  const reason = missing.map(([p, why]) => `${p}: ${why}`).join('; ');
  return ((name: string, fn: () => void) => {
    if (process.env.STRATA_REQUIRE_PEERS === '1') {
      describe(name, () => { it('has its peers (STRATA_REQUIRE_PEERS=1)', () => { throw new Error(`missing peer: ${reason}`); }); });
      return;
    }
    skipBanner(`"${name}"`, reason);
    describe.skip(name, fn);
  }) as unknown as jest.Describe;
}
