namespace RxSockets.Redis;

/// <summary>
/// The Lua scripts of the backplane. Each runs atomically in Redis (StackExchange.Redis sends them as EVALSHA once the
/// server knows them, and again in full after a restart flushed the script cache). Times come from the Redis server's
/// <c>TIME</c>, so the nodes' clocks never matter. Redis Cluster is not supported: several scripts build keys of
/// other topics and nodes from the prefix.
/// </summary>
/// <remarks>
/// <para><b>Keys.</b> <c>P</c> is <see cref="RedisBackplaneOptions.KeyPrefix"/>, <c>T</c> a topic, <c>N</c> a node.</para>
/// <list type="bullet">
/// <item><c>P:t:T:meta</c> hash: <c>epoch</c>, <c>offset</c> (the last one assigned), <c>ttl</c> (the history age limit
/// in ms of the last publish, 0 for none) and <c>hexp</c> (when the history stream expires if nothing is published, ms
/// since the epoch; 0 for never; absent when the last publish kept no history).</item>
/// <item><c>P:t:T:history</c> stream: one entry per kept publication, id <c>"{offset}-0"</c>, fields <c>d</c> payload,
/// <c>y</c> type (T/B), <c>n</c> node, <c>x</c> except (empty for none), <c>t</c> publish time (ms).</item>
/// <item><c>P:t:T:presence</c> hash: field <c>"N|connectionId"</c> for each member.</item>
/// <item><c>P:node:N:presence</c> set: <c>"T|connectionId"</c> for each member node N holds (to find a dead node's).</item>
/// <item><c>P:nodes</c> sorted set: node to its last heartbeat (Redis time, ms); <c>P:clients</c> hash: node to its
/// client count.</item>
/// </list>
/// <para><b>Channels.</b> <c>P:t:T:pub</c> a topic's publications, <c>P:broadcast</c> broadcasts, <c>P:presence</c>
/// joins and leaves (see <see cref="RedisFrames"/>).</para>
/// <para><b>Stream ids.</b> An entry's id is its offset (<c>"{offset}-0"</c>): the history is ordered by offset by
/// construction, and a read from a position is one <c>XRANGE</c> from <c>since+1</c>, whose first id proves that the
/// next publication is still there. The publish time is a field, used for the age limit.</para>
/// </remarks>
internal static class RedisScripts
{
    private const string Now = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
        local function int(n) return string.format('%d', n) end
        local function field(s) return #s .. ':' .. s end

        """;

    /// <summary>Publishes to a topic. KEYS: meta, history. ARGV: candidate epoch, history size, history ttl (ms), node,
    /// except ("" for none), type (T/B), payload, channel. Returns {offset, epoch}.</summary>
    public const string Publish = Now + """
        local meta, hist = KEYS[1], KEYS[2]
        local size, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
        local epoch = redis.call('HGET', meta, 'epoch')
        if not epoch then
          -- a new (or lost) topic: whatever history is left belongs to no known epoch
          epoch = ARGV[1]
          redis.call('DEL', hist)
          redis.call('HSET', meta, 'epoch', epoch, 'offset', 0)
        elseif size > 0 and redis.call('EXISTS', hist) == 0 then
          -- the history is missing: lost (deleted) unless it was kept and simply expired by its age limit
          local last = tonumber(redis.call('HGET', meta, 'offset') or '0')
          local hexp = redis.call('HGET', meta, 'hexp')
          if last > 0 and hexp and (hexp == '0' or now < tonumber(hexp)) then
            epoch = ARGV[1]
            redis.call('HSET', meta, 'epoch', epoch)
          end
        end
        local offset = redis.call('HINCRBY', meta, 'offset', 1)
        if size > 0 then
          redis.call('XADD', hist, int(offset) .. '-0', 'd', ARGV[7], 'y', ARGV[6], 'n', ARGV[4], 'x', ARGV[5], 't', int(now))
          redis.call('XTRIM', hist, 'MAXLEN', size)
          if ttl > 0 then
            -- drop the entries that outlived the age limit from the head; at most 100 looked at per publish
            local head = redis.call('XRANGE', hist, '-', '+', 'COUNT', 100)
            local keep = nil
            for _, entry in ipairs(head) do
              local fields, time = entry[2], nil
              for i = 1, #fields, 2 do
                if fields[i] == 't' then time = tonumber(fields[i + 1]) end
              end
              if time and time >= now - ttl then keep = entry[1]; break end
            end
            if keep then
              redis.call('XTRIM', hist, 'MINID', keep)
            elseif #head > 0 then
              redis.call('XTRIM', hist, 'MINID', int(tonumber(string.match(head[#head][1], '^(%d+)')) + 1) .. '-0')
            end
            redis.call('PEXPIREAT', hist, int(now + ttl))
            redis.call('HSET', meta, 'hexp', int(now + ttl), 'ttl', int(ttl))
          else
            redis.call('PERSIST', hist)
            redis.call('HSET', meta, 'hexp', 0, 'ttl', 0)
          end
        else
          redis.call('DEL', hist)
          redis.call('HDEL', meta, 'hexp')
          redis.call('HSET', meta, 'ttl', 0)
        end
        local frame = 'P' .. field(int(offset)) .. field(epoch) .. field(ARGV[6]) .. field(ARGV[4]) .. field(ARGV[5]) .. ARGV[7]
        redis.call('PUBLISH', ARGV[8], frame)
        return {offset, epoch}
        """;

    /// <summary>Reads a topic's position and, asked for, its history after a position. KEYS: meta, history. ARGV:
    /// candidate epoch, since offset (-1 for the position only), since epoch. Returns {offset, epoch, complete (0/1),
    /// entries (when complete and any)}.</summary>
    public const string Read = Now + """
        local meta, hist = KEYS[1], KEYS[2]
        local epoch = redis.call('HGET', meta, 'epoch')
        if not epoch then
          epoch = ARGV[1]
          redis.call('DEL', hist)
          redis.call('HSET', meta, 'epoch', epoch, 'offset', 0)
        end
        local offset = tonumber(redis.call('HGET', meta, 'offset') or '0')
        local since = tonumber(ARGV[2])
        if since < 0 or since > offset or epoch ~= ARGV[3] then return {offset, epoch, 0} end
        if since == offset then return {offset, epoch, 1} end
        local first = int(since + 1) .. '-0'
        local entries = redis.call('XRANGE', hist, first, '+')
        if #entries ~= offset - since or entries[1][1] ~= first then return {offset, epoch, 0} end
        local ttl = tonumber(redis.call('HGET', meta, 'ttl') or '0')
        if ttl > 0 then
          local fields, time = entries[1][2], nil
          for i = 1, #fields, 2 do
            if fields[i] == 't' then time = tonumber(fields[i + 1]) end
          end
          if not time or time < now - ttl then return {offset, epoch, 0} end
        end
        return {offset, epoch, 1, entries}
        """;

    /// <summary>Records a member. KEYS: topic presence, node presence. ARGV: "node|id", "topic|id", channel, join frame.
    /// Returns 1 when it was new (and announced).</summary>
    public const string Join = """
        redis.call('SADD', KEYS[2], ARGV[2])
        if redis.call('HSET', KEYS[1], ARGV[1], '1') == 1 then
          redis.call('PUBLISH', ARGV[3], ARGV[4])
          return 1
        end
        return 0
        """;

    /// <summary>Removes a member. KEYS: topic presence, node presence. ARGV: "node|id", "topic|id", channel, leave
    /// frame. Returns 1 when it was there (and the leave was announced).</summary>
    public const string Leave = """
        redis.call('SREM', KEYS[2], ARGV[2])
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
          redis.call('PUBLISH', ARGV[3], ARGV[4])
          return 1
        end
        return 0
        """;

    /// <summary>Writes this node's heartbeat and client count. KEYS: nodes, clients. ARGV: node, client count.
    /// Returns 1 when the node was not registered (first start, declared dead, or Redis lost its data).</summary>
    public const string Heartbeat = Now + """
        local added = redis.call('ZADD', KEYS[1], int(now), ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        return added
        """;

    /// <summary>Removes (part of) a node: a dead one (ARGV[4] empty: the first whose heartbeat is older than the timeout),
    /// or the given one unconditionally. Removes up to a batch of its members, announcing each leave, and, once none is
    /// left, its registry entries. No KEYS (they are built from the prefix). ARGV: prefix, timeout (ms), batch size,
    /// node or "". Returns {node ("" when no node is dead), members removed, 1 when the node is gone}.</summary>
    public const string RemoveNode = Now + """
        local prefix, node = ARGV[1], ARGV[4]
        local nodes, clients, channel = prefix .. ':nodes', prefix .. ':clients', prefix .. ':presence'
        if node == '' then
          local dead = redis.call('ZRANGEBYSCORE', nodes, '-inf', '(' .. int(now - tonumber(ARGV[2])), 'LIMIT', 0, 1)
          if #dead == 0 then return {'', 0, 1} end
          node = dead[1]
        end
        local set = prefix .. ':node:' .. node .. ':presence'
        local removed = 0
        for _, member in ipairs(redis.call('SPOP', set, tonumber(ARGV[3]))) do
          local topic, id = string.match(member, '^(.*)|(%d+)$')
          if topic and redis.call('HDEL', prefix .. ':t:' .. topic .. ':presence', node .. '|' .. id) == 1 then
            removed = removed + 1
            redis.call('PUBLISH', channel, 'M' .. field('0') .. field(node) .. field(id) .. field(topic))
          end
        end
        if redis.call('SCARD', set) == 0 then
          redis.call('ZREM', nodes, node)
          redis.call('HDEL', clients, node)
          return {node, removed, 1}
        end
        return {node, removed, 0}
        """;

    /// <summary>A topic's members on live nodes. KEYS: topic presence, nodes. ARGV: timeout (ms), "list" or "count".
    /// Returns the "node|id" fields, or their count.</summary>
    public const string Members = Now + """
        local live = {}
        for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], int(now - tonumber(ARGV[1])), '+inf')) do live[node] = true end
        local list, count = {}, 0
        for _, member in ipairs(redis.call('HKEYS', KEYS[1])) do
          local node = string.match(member, '^(.*)|%d+$')
          if node and live[node] then
            count = count + 1
            if ARGV[2] == 'list' then list[count] = member end
          end
        end
        if ARGV[2] == 'list' then return list end
        return count
        """;

    /// <summary>The clients of every live node. KEYS: nodes, clients. ARGV: timeout (ms). Returns the sum.</summary>
    public const string Clients = Now + """
        local total = 0
        for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], int(now - tonumber(ARGV[1])), '+inf')) do
          total = total + tonumber(redis.call('HGET', KEYS[2], node) or '0')
        end
        return total
        """;
}
