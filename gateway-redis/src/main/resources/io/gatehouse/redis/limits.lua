-- Gatehouse limits: every permit of one request checked and consumed atomically, in one call.
-- The math is the one defined in the package documentation of io.gatehouse.limit, over
-- integers below 2^53 (exact in Lua's doubles); comments name its symbols.
--
-- KEYS: two per permit: the state key and its companion (used by sliding logs and leases).
-- ARGV[1] op: 'a' acquire, 's' settle, 'r' release
-- ARGV[2] now in microseconds, or '' to read the server's TIME
-- ARGV[3] lease id (acquire, release)
-- ARGV[4] settle: actual cost minus reserved cost
-- ARGV[5..] ten per permit: algorithm (tb fw sw sl cc), L, P, B, unit, rate, cap, cost,
--           end1, end2 (calendar fixed windows: window ends computed by the gateway, else 0)
-- Reply (acquire): {allowed 0/1, deciding index (0-based), retry-after, then per permit
-- remaining and reset}. Settle and release reply 1.
--
-- Speed: Redis runs this body as a function on every call, so every function defined here is a
-- new closure per call and every table a new allocation. The token bucket and the windows are
-- one function each, dispatching on the step name; all but the token bucket are built only
-- when a request uses one. Numbers are written with '%d', exact for integers below 2^53.

local MARGIN = 1000000
local call = redis.call
local floor, max, min = math.floor, math.max, math.min
local format, find, sub = string.format, string.find, string.sub
local tonumber = tonumber
local op = ARGV[1]
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local lease = ARGV[3]

-- a // b for a >= 0, b > 0, corrected for the rounding of a / b.
local function fdiv(a, b)
  local q = floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end
-- ceil(a / b); 0 for a <= 0.
local function cdiv(a, b)
  if a <= 0 then return 0 end
  return fdiv(a + b - 1, b)
end
-- Token buckets and windows keep their few numbers in one string, "a b [c]": one GET to read,
-- one SET ... PX to write and expire, cheaper than a hash plus PEXPIRE.
local function read(key)
  local v = call('GET', key)
  if not v then return nil end
  local i = find(v, ' ', 1, true)
  local j = find(v, ' ', i + 1, true)
  if j then
    return tonumber(sub(v, 1, i - 1)), tonumber(sub(v, i + 1, j - 1)), tonumber(sub(v, j + 1))
  end
  return tonumber(sub(v, 1, i - 1)), tonumber(sub(v, i + 1))
end
local function write(key, ttl, a, b, c)
  local v
  if c then v = format('%d %d %d', a, b, c) else v = format('%d %d', a, b) end
  call('SET', key, v, 'PX', format('%d', cdiv(ttl, 1000)))
end

-- Each algorithm is one function(p, step, x); steps: load (also advances; may return an error
-- reply), fits, consume, remaining, reset, retry, settle (x = delta), save (x = reset).

-- TOKEN_BUCKET: state "S T" (scaled tokens, last refill); fresh [cap, now].
local function tb(p, step, x)
  if step == 'load' then
    local s, t = read(p.key)
    s = s or p.cap
    t = t or 0
    local d = p.cap - s
    if d > 0 then
      local e = max(0, now - t)
      if e >= cdiv(d, p.rate) then s = p.cap else s = s + e * p.rate end
    end
    p.s = s
    p.t = max(t, now)
  elseif step == 'fits' then return p.c <= p.b and p.s >= p.c * p.unit
  elseif step == 'consume' then p.s = p.s - p.c * p.unit
  elseif step == 'remaining' then
    if p.unit == 1 then return max(0, p.s) end
    return fdiv(max(0, p.s), p.unit)
  elseif step == 'reset' then return cdiv(p.cap - p.s, p.rate)
  elseif step == 'save' then write(p.key, x + MARGIN, p.s, p.t)
  elseif step == 'retry' then
    if p.c > p.b then return p.p end
    return max(1, cdiv(p.c * p.unit - p.s, p.rate))
  elseif step == 'settle' then
    if x < 0 then
      p.s = min(p.cap, p.s + min(-x, p.c) * p.unit)
    else
      p.s = max(-p.cap, p.s - min(x, 2 * p.b) * p.unit)
    end
  end
end

-- The other algorithms, built only when a request uses one of them.
local function others()
  -- FIXED_WINDOW: state "E N" (end of the counted window, count); fresh [end, 0].
  local function fw(p, step, x)
    if step == 'load' then
      local e, n = read(p.key)
      p.e = e or 0
      p.n = n or 0
      local w
      if p.end1 > 0 then
        if now < p.end1 then w = p.end1
        elseif now < p.end2 then w = p.end2
        else return redis.error_reply('gatehouse: clocks disagree by more than a window') end
      else
        w = fdiv(now, p.p) * p.p + p.p
      end
      if w > p.e then p.e = w; p.n = 0 end
    elseif step == 'fits' then return p.c <= p.l and p.n + p.c <= p.l
    elseif step == 'consume' then p.n = p.n + p.c
    elseif step == 'remaining' then return max(0, p.l - p.n)
    elseif step == 'reset' then
      if p.n > 0 then return p.e - now end
      return 0
    elseif step == 'save' then write(p.key, p.e - now + MARGIN, p.e, p.n)
    elseif step == 'retry' then
      if p.c > p.l then return p.p end
      return max(1, p.e - now)
    elseif step == 'settle' then
      if x < 0 then
        p.n = max(0, p.n - min(-x, p.c))
      else
        p.n = min(2 * p.l, p.n + min(x, 2 * p.l))
      end
    end
  end

  -- SLIDING_WINDOW: state "W N M" (window start, its count, the previous window's count).
  local function sw(p, step, x)
    if step == 'load' then
      local w, n, m = read(p.key)
      w = w or 0
      n = n or 0
      m = m or 0
      local s = fdiv(now, p.p) * p.p
      if s > w then
        if s == w + p.p then m = n else m = 0 end
        n = 0
        w = s
      end
      p.w, p.n, p.m = w, n, m
    elseif step == 'fits' then
      local a = p.l - p.n - p.c
      return p.c <= p.l and a >= 0 and p.m * max(0, p.p - max(0, now - p.w)) <= a * p.p
    elseif step == 'consume' then p.n = p.n + p.c
    elseif step == 'remaining' then
      local weighted = p.m * max(0, p.p - max(0, now - p.w))
      return max(0, p.l - (p.n + cdiv(weighted, p.p)))
    elseif step == 'reset' then
      if p.n > 0 then return p.w + 2 * p.p - now end
      if p.m > 0 then return p.w + p.p - now end
      return 0
    elseif step == 'save' then write(p.key, x + MARGIN, p.w, p.n, p.m)
    elseif step == 'retry' then
      if p.c > p.l then return p.p end
      local a = p.l - p.n - p.c
      local at
      if a < 0 then
        at = p.w + p.p + (p.p - fdiv((p.l - p.c) * p.p, p.n))
      else
        at = p.w + (p.p - fdiv(a * p.p, p.m))
      end
      return max(1, at - now)
    elseif step == 'settle' then
      if x < 0 then
        local refund = min(-x, p.c)
        local left = refund - p.n
        if left > 0 then p.m = max(0, p.m - left) end
        p.n = max(0, p.n - refund)
      else
        p.n = min(2 * p.l, p.n + min(x, 2 * p.l))
      end
    end
  end

  local function fmt(v) return format('%d', v) end
  local function expire(key, ttl)
    call('PEXPIRE', key, fmt(cdiv(ttl, 1000)))
  end

  -- SLIDING_LOG: sorted set of entries, member 't:c' scored t (one entry per time), and the
  -- companion key holding U, the sum of the entries' costs.
  local function entry_cost(member) return tonumber(string.match(member, ':(%d+)$')) end
  local function log_last(p)
    local last = call('ZRANGE', p.key, -1, -1, 'WITHSCORES')
    if #last == 0 then return nil end
    return tonumber(last[2]), entry_cost(last[1]), last[1]
  end
  local function log_append(p, cost)
    local t, c, member = log_last(p)
    if t and t >= now then
      call('ZREM', p.key, member)
      call('ZADD', p.key, fmt(t), fmt(t) .. ':' .. fmt(c + cost))
    else
      call('ZADD', p.key, fmt(now), fmt(now) .. ':' .. fmt(cost))
    end
    p.u = p.u + cost
  end
  local function sl(p, step, x)
    if step == 'load' then
      if call('EXISTS', p.key) == 1 then
        local v = call('GET', p.aux)
        if v then p.u = tonumber(v) else p.u = 0 end
      else
        p.u = 0
      end
      local horizon = fmt(now - p.p)
      local gone = call('ZRANGEBYSCORE', p.key, '-inf', horizon)
      if #gone > 0 then
        for i = 1, #gone do p.u = p.u - entry_cost(gone[i]) end
        call('ZREMRANGEBYSCORE', p.key, '-inf', horizon)
      end
    elseif step == 'fits' then return p.c <= p.l and p.u + p.c <= p.l
    elseif step == 'consume' then log_append(p, p.c)
    elseif step == 'remaining' then return max(0, p.l - p.u)
    elseif step == 'reset' then
      local t = log_last(p)
      if not t then return 0 end
      return max(0, t + p.p - now)
    elseif step == 'retry' then
      if p.c > p.l then return p.p end
      local entries = call('ZRANGE', p.key, 0, -1, 'WITHSCORES')
      local left = p.u
      for i = 1, #entries, 2 do
        left = left - entry_cost(entries[i])
        if left + p.c <= p.l then
          return max(1, tonumber(entries[i + 1]) + p.p - now)
        end
      end
      return p.p
    elseif step == 'settle' then
      if x < 0 then
        local refund = min(-x, p.c)
        while refund > 0 do
          local first = call('ZRANGE', p.key, 0, 0, 'WITHSCORES')
          if #first == 0 then break end
          local c = entry_cost(first[1])
          local taken = min(refund, c)
          call('ZREM', p.key, first[1])
          if c > taken then
            call('ZADD', p.key, first[2], fmt(tonumber(first[2])) .. ':' .. fmt(c - taken))
          end
          p.u = p.u - taken
          refund = refund - taken
        end
      else
        local charge = min(x, 2 * p.l - p.u)
        if charge > 0 then log_append(p, charge) end
      end
    elseif step == 'save' then
      if call('EXISTS', p.key) == 0 then
        call('DEL', p.aux)
        return
      end
      call('SET', p.aux, fmt(p.u))
      expire(p.key, x + MARGIN)
      expire(p.aux, x + MARGIN)
    end
  end

  -- CONCURRENCY: sorted set lease id scored by its expiry, and the companion hash lease id ->
  -- cost. U is the sum of the costs.
  local function cc(p, step, x)
    if step == 'load' then
      local gone = call('ZRANGEBYSCORE', p.key, '-inf', fmt(now))
      if #gone > 0 then
        call('ZREMRANGEBYSCORE', p.key, '-inf', fmt(now))
        -- In chunks: unpack is limited to a few thousand values.
        for from = 1, #gone, 1000 do
          call('HDEL', p.aux, unpack(gone, from, min(#gone, from + 999)))
        end
      end
      local costs = call('HVALS', p.aux)
      p.u = 0
      for i = 1, #costs do p.u = p.u + tonumber(costs[i]) end
    elseif step == 'fits' then
      if call('ZSCORE', p.key, lease) then return true end
      return p.c <= p.l and p.u + p.c <= p.l
    elseif step == 'consume' then
      if not call('ZSCORE', p.key, lease) then
        call('HSET', p.aux, lease, fmt(p.c))
        p.u = p.u + p.c
      end
      call('ZADD', p.key, fmt(now + p.p), lease)
    elseif step == 'remaining' then return max(0, p.l - p.u)
    elseif step == 'reset' then
      local last = call('ZRANGE', p.key, -1, -1, 'WITHSCORES')
      if #last == 0 then return 0 end
      return max(0, tonumber(last[2]) - now)
    elseif step == 'retry' then
      if p.c > p.l then return p.p end
      local leases = call('ZRANGE', p.key, 0, -1, 'WITHSCORES')
      local left = p.u
      local wait = p.p
      for i = 1, #leases, 2 do
        local v = call('HGET', p.aux, leases[i])
        left = left - (v and tonumber(v) or 0)
        if left + p.c <= p.l then
          wait = tonumber(leases[i + 1]) - now
          break
        end
      end
      return max(1, min(1000000, wait))
    elseif step == 'save' then
      if call('EXISTS', p.key) == 0 then
        call('DEL', p.aux)
        return
      end
      expire(p.key, x + MARGIN)
      expire(p.aux, x + MARGIN)
    end
  end
  return fw, sw, sl, cc
end

-- Decode the permits.
local fw, sw, sl, cc
local permits = {}
local count = (#ARGV - 4) / 10
for i = 1, count do
  local a = 4 + (i - 1) * 10
  local code = ARGV[a + 1]
  local algo
  if code == 'tb' then algo = tb
  elseif code == 'fw' or code == 'sw' or code == 'sl' or code == 'cc' then
    if not fw then fw, sw, sl, cc = others() end
    if code == 'fw' then algo = fw
    elseif code == 'sw' then algo = sw
    elseif code == 'sl' then algo = sl
    else algo = cc end
  else
    return redis.error_reply('gatehouse: unknown algorithm ' .. code)
  end
  -- Every field named in the constructor, so the table is sized once.
  local p = {
    algo = algo,
    key = KEYS[2 * i - 1], aux = KEYS[2 * i],
    l = tonumber(ARGV[a + 2]), p = tonumber(ARGV[a + 3]), b = tonumber(ARGV[a + 4]),
    unit = tonumber(ARGV[a + 5]), rate = tonumber(ARGV[a + 6]), cap = tonumber(ARGV[a + 7]),
    c = tonumber(ARGV[a + 8]), end1 = tonumber(ARGV[a + 9]), end2 = tonumber(ARGV[a + 10]),
    s = 0, t = 0, e = 0, n = 0, w = 0, m = 0, u = 0, fit = false
  }
  local failed = algo(p, 'load')
  if failed then return failed end
  permits[i] = p
end

if op == 's' then
  local p = permits[1]
  p.algo(p, 'settle', tonumber(ARGV[4]))
  p.algo(p, 'save', p.algo(p, 'reset'))
  return 1
end

if op == 'r' then
  local p = permits[1]
  if call('ZREM', p.key, lease) == 1 then
    call('HDEL', p.aux, lease)
  end
  if call('EXISTS', p.key) == 0 then call('DEL', p.aux) end
  return 1
end

-- Acquire: check every permit, then consume all or none.
local all = true
for i = 1, count do
  local p = permits[i]
  local fit = p.algo(p, 'fits')
  p.fit = fit
  all = all and fit
end
if all then
  for i = 1, count do permits[i].algo(permits[i], 'consume') end
end
local reply = {all and 1 or 0, 0, 0}
local deciding = 0
local bestRemaining, bestReset, retryAfter = 0, 0, 0
for i = 1, count do
  local p = permits[i]
  local algo = p.algo
  local remaining = algo(p, 'remaining')
  local reset = algo(p, 'reset')
  reply[2 + 2 * i] = remaining
  reply[3 + 2 * i] = reset
  if all then
    if deciding == 0 or remaining < bestRemaining
        or (remaining == bestRemaining and reset > bestReset) then
      deciding, bestRemaining, bestReset = i, remaining, reset
    end
  elseif not p.fit then
    local wait = algo(p, 'retry')
    if wait > retryAfter then deciding, retryAfter = i, wait end
  end
  algo(p, 'save', reset)
end
reply[2] = deciding - 1
reply[3] = retryAfter
return reply
