import { describe, expect, it } from 'vitest'
import { MeshKeeper } from '../src/mesh-keeper.js'
import { FakeNetwork, type FakeNode } from './support/fake-node.js'
import { silent } from './support/harness.js'

/** Three nodes sorted by peer id: the first is the smallest. */
async function sorted (net: FakeNetwork): Promise<FakeNode[]> {
  const nodes = await Promise.all([net.node(), net.node(), net.node()])
  return nodes.sort((a, b) => (a.peerId < b.peerId ? -1 : 1))
}

const settle = async (keeper: MeshKeeper, node: FakeNode, peer: string): Promise<void> => {
  await expect.poll(() => node.isConnected(peer) && node.kept.has(peer)).toBe(true)
  void keeper
}

describe('the mesh keeper', () => {
  it('dials a peer once, only when its id is the larger and it is not connected, and tags it keep-alive', async () => {
    const net = new FakeNetwork()
    const [small, middle, large] = await sorted(net)
    const keeper = new MeshKeeper({ logger: silent, node: middle! }, { bootstrap: [], stopped: new AbortController().signal })
    keeper.start()
    keeper.offer(small!.peerId, small!.addrs())
    keeper.offer(large!.peerId, large!.addrs())
    keeper.offer(large!.peerId, large!.addrs())
    await settle(keeper, middle!, large!.peerId)
    expect(middle!.dials).toEqual([large!.addrs()[0]])
    expect(middle!.isConnected(small!.peerId)).toBe(false)
    // Connected and kept: neither an offer nor a sweep dials again.
    keeper.offer(large!.peerId, large!.addrs())
    keeper.sweep([{ peerId: large!.peerId, addrs: large!.addrs() }])
    expect(middle!.dials).toHaveLength(1)
  })

  it('while libp2p keeps a peer the sweep leaves it alone; once libp2p gives up, the sweep dials it again', async () => {
    const net = new FakeNetwork()
    const [small, large] = await sorted(net)
    const keeper = new MeshKeeper({ logger: silent, node: small! }, { bootstrap: [], stopped: new AbortController().signal })
    keeper.start()
    keeper.offer(large!.peerId, large!.addrs())
    await settle(keeper, small!, large!.peerId)
    large!.unreachable = true
    net.disconnect(small!, large!)
    keeper.sweep([{ peerId: large!.peerId, addrs: large!.addrs() }])
    expect(small!.dials).toHaveLength(1)
    small!.emit('peer:reconnect-failure', large!.peerId)
    large!.unreachable = false
    keeper.sweep([{ peerId: large!.peerId, addrs: large!.addrs() }])
    await expect.poll(() => small!.isConnected(large!.peerId)).toBe(true)
    expect(small!.dials).toHaveLength(2)
  })

  it('bootstrap peers are dialed whatever the id order, until kept; discovery offers peers too; a stopped keeper dials nothing', async () => {
    const net = new FakeNetwork()
    const [small, large] = await sorted(net)
    const stop = new AbortController()
    large!.emit('peer:discovery', small!.peerId, small!.addrs())
    const keeper = new MeshKeeper({ logger: silent, node: large! }, { bootstrap: small!.addrs(), stopped: stop.signal })
    keeper.start()
    small!.unreachable = true
    keeper.sweep([])
    await expect.poll(() => large!.dials).toHaveLength(1)
    small!.unreachable = false
    keeper.sweep([])
    await settle(keeper, large!, small!.peerId)
    keeper.sweep([])
    expect(large!.dials).toHaveLength(2)

    const other = await net.node()
    stop.abort()
    small!.emit('peer:discovery', other.peerId, other.addrs())
    keeper.sweep([{ peerId: other.peerId, addrs: other.addrs() }])
    expect(large!.dials).toHaveLength(2)
  })
})
