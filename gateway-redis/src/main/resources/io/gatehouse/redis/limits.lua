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

local MARGIN = 1000000
local op = ARGV[1]
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local lease = ARGV[3]

-- a // b for a >= 0, b > 0, corrected for the rounding of a / b.
local function fdiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end
-- ceil(a / b); 0 for a <= 0.
local function cdiv(a, b)
  if a <= 0 then return 0 end
  return fdiv(a + b - 1, b)
end
local function fmt(x) return string.format('%.0f', x) end
local function num(v, default)
  if v then return tonumber(v) end
  return default
end
local function expire(key, ttl)
  redis.call('PEXPIRE', key, fmt(cdiv(ttl, 1000)))
end
-- Token buckets and windows keep their few numbers in one string, "a b [c]": one GET to read,
-- one SET ... PX to write and expire, cheaper than a hash plus PEXPIRE.
local function read(key)
  local v = redis.call('GET', key)
  if not v then return nil end
  local a, b, c = string.match(v, '^(%S+) (%S+) ?(%S*)$')
  return tonumber(a), tonumber(b), tonumber(c)
end
local function write(key, ttl, a, b, c)
  local v = fmt(a) .. ' ' .. fmt(b)
  if c then v = v .. ' ' .. fmt(c) end
  redis.call('SET', key, v, 'PX', fmt(cdiv(ttl, 1000)))
end

-- Each algorithm's functions are created only when a request uses it: creating the closures of
-- all five on every call would cost more than the decision itself.
local define = {}

-- TOKEN_BUCKET: state "S T" (scaled tokens, last refill); fresh [cap, now].
define.tb = function() return {
    load = function(p)
      local s, t = read(p.key)
      p.s = s or p.cap
      p.t = t or 0
    end,
    advance = function(p)
      local d = p.cap - p.s
      if d > 0 then
        local e = math.max(0, now - p.t)
        if e >= cdiv(d, p.rate) then p.s = p.cap else p.s = p.s + e * p.rate end
      end
      p.t = math.max(p.t, now)
    end,
    fits = function(p) return p.c <= p.b and p.s >= p.c * p.unit end,
    consume = function(p) p.s = p.s - p.c * p.unit end,
    remaining = function(p) return fdiv(math.max(0, p.s), p.unit) end,
    reset = function(p) return cdiv(p.cap - p.s, p.rate) end,
    retry = function(p)
      if p.c > p.b then return p.p end
      return math.max(1, cdiv(p.c * p.unit - p.s, p.rate))
    end,
    settle = function(p, delta)
      if delta < 0 then
        p.s = math.min(p.cap, p.s + math.min(-delta, p.c) * p.unit)
      else
        p.s = math.max(-p.cap, p.s - math.min(delta, 2 * p.b) * p.unit)
      end
    end,
    save = function(p, reset)
      write(p.key, reset + MARGIN, p.s, p.t)
    end
} end

-- FIXED_WINDOW: state "E N" (end of the counted window, count); fresh [end, 0].
define.fw = function() return {
    load = function(p)
      local e, n = read(p.key)
      p.e = e or 0
      p.n = n or 0
    end,
    advance = function(p)
      local w
      if p.end1 > 0 then
        if now < p.end1 then w = p.end1
        elseif now < p.end2 then w = p.end2
        else return redis.error_reply('gatehouse: clocks disagree by more than a window') end
      else
        w = fdiv(now, p.p) * p.p + p.p
      end
      if w > p.e then p.e = w; p.n = 0 end
    end,
    fits = function(p) return p.c <= p.l and p.n + p.c <= p.l end,
    consume = function(p) p.n = p.n + p.c end,
    remaining = function(p) return math.max(0, p.l - p.n) end,
    reset = function(p) if p.n > 0 then return p.e - now end return 0 end,
    retry = function(p)
      if p.c > p.l then return p.p end
      return math.max(1, p.e - now)
    end,
    settle = function(p, delta)
      if delta < 0 then
        p.n = math.max(0, p.n - math.min(-delta, p.c))
      else
        p.n = math.min(2 * p.l, p.n + math.min(delta, 2 * p.l))
      end
    end,
    save = function(p, reset)
      write(p.key, p.e - now + MARGIN, p.e, p.n)
    end
} end

-- SLIDING_WINDOW: state "W N M" (window start, its count, the previous window's count).
local function weighted(p)
  return p.m * math.max(0, p.p - math.max(0, now - p.w))
end
define.sw = function() return {
    load = function(p)
      local w, n, m = read(p.key)
      p.w = w or 0
      p.n = n or 0
      p.m = m or 0
    end,
    advance = function(p)
      local s = fdiv(now, p.p) * p.p
      if s > p.w then
        if s == p.w + p.p then p.m = p.n else p.m = 0 end
        p.n = 0
        p.w = s
      end
    end,
    fits = function(p)
      local a = p.l - p.n - p.c
      return p.c <= p.l and a >= 0 and weighted(p) <= a * p.p
    end,
    consume = function(p) p.n = p.n + p.c end,
    remaining = function(p)
      return math.max(0, p.l - (p.n + cdiv(weighted(p), p.p)))
    end,
    reset = function(p)
      if p.n > 0 then return p.w + 2 * p.p - now end
      if p.m > 0 then return p.w + p.p - now end
      return 0
    end,
    retry = function(p)
      if p.c > p.l then return p.p end
      local a = p.l - p.n - p.c
      local at
      if a < 0 then
        at = p.w + p.p + (p.p - fdiv((p.l - p.c) * p.p, p.n))
      else
        at = p.w + (p.p - fdiv(a * p.p, p.m))
      end
      return math.max(1, at - now)
    end,
    settle = function(p, delta)
      if delta < 0 then
        local refund = math.min(-delta, p.c)
        local left = refund - p.n
        if left > 0 then p.m = math.max(0, p.m - left) end
        p.n = math.max(0, p.n - refund)
      else
        p.n = math.min(2 * p.l, p.n + math.min(delta, 2 * p.l))
      end
    end,
    save = function(p, reset)
      write(p.key, reset + MARGIN, p.w, p.n, p.m)
    end
} end

-- SLIDING_LOG: sorted set of entries, member 't:c' scored t (one entry per time), and the
-- companion key holding U, the sum of the entries' costs.
local function entry_cost(member) return tonumber(string.match(member, ':(%d+)$')) end
local function log_last(p)
  local last = redis.call('ZRANGE', p.key, -1, -1, 'WITHSCORES')
  if #last == 0 then return nil end
  return tonumber(last[2]), entry_cost(last[1]), last[1]
end
local function log_append(p, cost)
  local t, c, member = log_last(p)
  if t and t >= now then
    redis.call('ZREM', p.key, member)
    redis.call('ZADD', p.key, fmt(t), fmt(t) .. ':' .. fmt(c + cost))
  else
    redis.call('ZADD', p.key, fmt(now), fmt(now) .. ':' .. fmt(cost))
  end
  p.u = p.u + cost
end
define.sl = function() return {
    load = function(p)
      if redis.call('EXISTS', p.key) == 1 then
        p.u = num(redis.call('GET', p.aux), 0)
      else
        p.u = 0
      end
    end,
    advance = function(p)
      local horizon = fmt(now - p.p)
      local gone = redis.call('ZRANGEBYSCORE', p.key, '-inf', horizon)
      if #gone > 0 then
        for i = 1, #gone do p.u = p.u - entry_cost(gone[i]) end
        redis.call('ZREMRANGEBYSCORE', p.key, '-inf', horizon)
      end
    end,
    fits = function(p) return p.c <= p.l and p.u + p.c <= p.l end,
    consume = function(p) log_append(p, p.c) end,
    remaining = function(p) return math.max(0, p.l - p.u) end,
    reset = function(p)
      local t = log_last(p)
      if not t then return 0 end
      return math.max(0, t + p.p - now)
    end,
    retry = function(p)
      if p.c > p.l then return p.p end
      local entries = redis.call('ZRANGE', p.key, 0, -1, 'WITHSCORES')
      local left = p.u
      for i = 1, #entries, 2 do
        left = left - entry_cost(entries[i])
        if left + p.c <= p.l then
          return math.max(1, tonumber(entries[i + 1]) + p.p - now)
        end
      end
      return p.p
    end,
    settle = function(p, delta)
      if delta < 0 then
        local refund = math.min(-delta, p.c)
        while refund > 0 do
          local first = redis.call('ZRANGE', p.key, 0, 0, 'WITHSCORES')
          if #first == 0 then break end
          local c = entry_cost(first[1])
          local taken = math.min(refund, c)
          redis.call('ZREM', p.key, first[1])
          if c > taken then
            redis.call('ZADD', p.key, first[2], fmt(tonumber(first[2])) .. ':' .. fmt(c - taken))
          end
          p.u = p.u - taken
          refund = refund - taken
        end
      else
        local charge = math.min(delta, 2 * p.l - p.u)
        if charge > 0 then log_append(p, charge) end
      end
    end,
    save = function(p, reset)
      if redis.call('EXISTS', p.key) == 0 then
        redis.call('DEL', p.aux)
        return
      end
      redis.call('SET', p.aux, fmt(p.u))
      expire(p.key, reset + MARGIN)
      expire(p.aux, reset + MARGIN)
    end
} end

-- CONCURRENCY: sorted set lease id scored by its expiry, and the companion hash lease id ->
-- cost. U is the sum of the costs.
define.cc = function() return {
    load = function(p) end,
    advance = function(p)
      local gone = redis.call('ZRANGEBYSCORE', p.key, '-inf', fmt(now))
      if #gone > 0 then
        redis.call('ZREMRANGEBYSCORE', p.key, '-inf', fmt(now))
        -- In chunks: unpack is limited to a few thousand values.
        for from = 1, #gone, 1000 do
          redis.call('HDEL', p.aux, unpack(gone, from, math.min(#gone, from + 999)))
        end
      end
      local costs = redis.call('HVALS', p.aux)
      p.u = 0
      for i = 1, #costs do p.u = p.u + tonumber(costs[i]) end
    end,
    fits = function(p)
      if redis.call('ZSCORE', p.key, lease) then return true end
      return p.c <= p.l and p.u + p.c <= p.l
    end,
    consume = function(p)
      if not redis.call('ZSCORE', p.key, lease) then
        redis.call('HSET', p.aux, lease, fmt(p.c))
        p.u = p.u + p.c
      end
      redis.call('ZADD', p.key, fmt(now + p.p), lease)
    end,
    remaining = function(p) return math.max(0, p.l - p.u) end,
    reset = function(p)
      local last = redis.call('ZRANGE', p.key, -1, -1, 'WITHSCORES')
      if #last == 0 then return 0 end
      return math.max(0, tonumber(last[2]) - now)
    end,
    retry = function(p)
      if p.c > p.l then return p.p end
      local leases = redis.call('ZRANGE', p.key, 0, -1, 'WITHSCORES')
      local left = p.u
      local wait = p.p
      for i = 1, #leases, 2 do
        left = left - num(redis.call('HGET', p.aux, leases[i]), 0)
        if left + p.c <= p.l then
          wait = tonumber(leases[i + 1]) - now
          break
        end
      end
      return math.max(1, math.min(1000000, wait))
    end,
    settle = function(p, delta) end,
    save = function(p, reset)
      if redis.call('EXISTS', p.key) == 0 then
        redis.call('DEL', p.aux)
        return
      end
      expire(p.key, reset + MARGIN)
      expire(p.aux, reset + MARGIN)
    end
} end

-- Decode the permits.
local algos = setmetatable({}, {__index = function(made, code)
  local make = define[code]
  if not make then return nil end
  local algo = make()
  made[code] = algo
  return algo
end})
local permits = {}
local count = (#ARGV - 4) / 10
for i = 1, count do
  local a = 4 + (i - 1) * 10
  local p = {
    algo = algos[ARGV[a + 1]],
    key = KEYS[2 * i - 1], aux = KEYS[2 * i],
    l = tonumber(ARGV[a + 2]), p = tonumber(ARGV[a + 3]), b = tonumber(ARGV[a + 4]),
    unit = tonumber(ARGV[a + 5]), rate = tonumber(ARGV[a + 6]), cap = tonumber(ARGV[a + 7]),
    c = tonumber(ARGV[a + 8]), end1 = tonumber(ARGV[a + 9]), end2 = tonumber(ARGV[a + 10])
  }
  if not p.algo then return redis.error_reply('gatehouse: unknown algorithm ' .. ARGV[a + 1]) end
  p.algo.load(p)
  local failed = p.algo.advance(p)
  if failed then return failed end
  permits[i] = p
end

if op == 's' then
  local p = permits[1]
  p.algo.settle(p, tonumber(ARGV[4]))
  p.algo.save(p, p.algo.reset(p))
  return 1
end

if op == 'r' then
  local p = permits[1]
  if redis.call('ZREM', p.key, lease) == 1 then
    redis.call('HDEL', p.aux, lease)
  end
  if redis.call('EXISTS', p.key) == 0 then redis.call('DEL', p.aux) end
  return 1
end

-- Acquire: check every permit, then consume all or none.
local fits = {}
local all = true
for i = 1, count do
  fits[i] = permits[i].algo.fits(permits[i])
  all = all and fits[i]
end
if all then
  for i = 1, count do permits[i].algo.consume(permits[i]) end
end
local reply = {all and 1 or 0, 0, 0}
local deciding = 0
local bestRemaining, bestReset, retryAfter = 0, 0, 0
for i = 1, count do
  local p = permits[i]
  local remaining = p.algo.remaining(p)
  local reset = p.algo.reset(p)
  reply[2 + 2 * i] = remaining
  reply[3 + 2 * i] = reset
  if all then
    if deciding == 0 or remaining < bestRemaining
        or (remaining == bestRemaining and reset > bestReset) then
      deciding, bestRemaining, bestReset = i, remaining, reset
    end
  elseif not fits[i] then
    local wait = p.algo.retry(p)
    if wait > retryAfter then deciding, retryAfter = i, wait end
  end
  p.algo.save(p, reset)
end
reply[2] = deciding - 1
reply[3] = retryAfter
return reply
