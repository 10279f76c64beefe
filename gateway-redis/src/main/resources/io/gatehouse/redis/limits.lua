-- Gatehouse limits: every permit of one request checked and consumed atomically, in one call.
-- The math is the one defined in the package documentation of io.gatehouse.limit, over
-- integers below 2^53 (exact in Lua's doubles); comments name its symbols.
--
-- ARGV[1] the numbers, little-endian doubles: op (1 acquire, 2 settle, 3 release, 4 inspect:
--         read without writing anything but the removal of expired leases), now in
--         microseconds (-1: read the server's TIME), the settled cost minus the reserved one;
--         then twelve per permit: algorithm (1 token bucket, 2 fixed window, 3 sliding window,
--         4 sliding log, 5 concurrency), k (index in KEYS of its state), last (index of the
--         last permit stored in the same hash), L, P, B, unit, rate, cap, cost, end1, end2
--         (calendar fixed windows: window ends computed by the gateway, else 0)
-- ARGV[2] lease id (acquire, release)
-- ARGV[2 + i] the field of permit i in its hash (token buckets and windows)
-- KEYS: one hash per limit key for token buckets and windows, holding one field per rule and
--       '~' (when the hash expires, script time); two keys per sliding log or concurrency
--       permit (its sorted set, then its companion)
-- Permits stored in the same hash come consecutively. Reply (acquire): a string of doubles:
-- allowed (0/1), then per permit remaining, reset and retry-after (retry-after 0 when the
-- permit fits). Inspect replies like acquire, with allowed and every retry-after 0. Settle and
-- release reply 1.
--
-- Speed: Redis runs this body on every call, so every function defined here is a new closure
-- per call and every table a new allocation. Token buckets and windows are decided inline in
-- one flat array, read with one HMGET and written with one HSET per hash; their values are
-- packed doubles (struct), far cheaper to read and write than decimal text. Sliding logs and
-- leases, built only when a request uses one, keep a table per permit.

local MARGIN = 1000000
-- A hash's deadline moves in steps of ten seconds.
local STEP = 10000000
local call = redis.call
local floor, max, min = math.floor, math.max, math.min
local format = string.format
local sunpack, spack = struct.unpack, struct.pack
local tonumber = tonumber
local NUM = ARGV[1]
local op, now, delta = sunpack('<ddd', NUM)
if now < 0 then
  local t = call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local lease = ARGV[2]
local WIDTH = 96
local FORMAT = '<dddddddddddd'
local n = #ARGV - 2

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

-- Sliding logs and concurrency leases: one table per permit and one function per algorithm,
-- dispatching on the step: load, fits, consume, remaining, reset, retry, settle (x = delta),
-- save (x = reset). Built only when a request uses one of them.
local function slow()
  local function fmt(v) return format('%d', v) end
  local function expire(key, ttl)
    call('PEXPIRE', key, fmt(cdiv(ttl, 1000)))
  end

  -- SLIDING_LOG: sorted set of entries, member t (the entry's time, one entry per time) scored
  -- C, the running sum of costs through that entry; the companion key holds the base, the sum
  -- before the oldest entry. U = C_last - base. The retry time is the first entry whose C
  -- reaches C_last + c - L: one ZRANGEBYSCORE, so a refusal never reads the whole log.
  local function sl_append(p, cost)
    if not p.t or p.t < now then p.t = now end
    p.top = p.top + cost
    -- An existing member (same time) only has its score raised: the entries merge.
    call('ZADD', p.key, fmt(p.top), fmt(p.t))
    p.u = p.u + cost
  end
  local function sl(p, step, x)
    if step == 'load' then
      local base = call('GET', p.aux)
      p.base = base and tonumber(base) or 0
      -- Drop entries at or before now - P, oldest first, reading growing chunks.
      local horizon, dropped, from, size = now - p.p, 0, 0, 1
      while true do
        local chunk = call('ZRANGE', p.key, from, from + size - 1, 'WITHSCORES')
        local live = false
        for e = 1, #chunk, 2 do
          if tonumber(chunk[e]) > horizon then live = true; break end
          dropped = dropped + 1
          p.base = tonumber(chunk[e + 1])
        end
        if live or #chunk < 2 * size then break end
        from, size = from + size, size * 2
      end
      -- Inspect leaves the log alone: the base it moved is saved only by a write.
      if dropped > 0 and op ~= 4 then call('ZREMRANGEBYRANK', p.key, 0, dropped - 1) end
      local last = call('ZRANGE', p.key, -1, -1, 'WITHSCORES')
      if #last == 0 then
        p.t, p.top, p.base = nil, 0, 0
      else
        p.t, p.top = tonumber(last[1]), tonumber(last[2])
      end
      p.u = p.top - p.base
    elseif step == 'fits' then return p.c <= p.l and p.u + p.c <= p.l
    elseif step == 'consume' then sl_append(p, p.c)
    elseif step == 'remaining' then return max(0, p.l - p.u)
    elseif step == 'reset' then
      if not p.t then return 0 end
      return max(0, p.t + p.p - now)
    elseif step == 'retry' then
      if p.c > p.l then return p.p end
      local first = call('ZRANGEBYSCORE', p.key, fmt(p.top + p.c - p.l), '+inf', 'LIMIT', 0, 1)
      if #first == 0 then return p.p end
      return max(1, tonumber(first[1]) + p.p - now)
    elseif step == 'settle' then
      if x < 0 then
        -- A refund takes from the oldest entries: the base moves up, spent entries go.
        p.base = min(p.top, p.base + min(-x, p.c))
        call('ZREMRANGEBYSCORE', p.key, '-inf', fmt(p.base))
        if p.base == p.top then p.t = nil end
        p.u = p.top - p.base
      else
        local charge = min(x, 2 * p.l - p.u)
        if charge > 0 then sl_append(p, charge) end
      end
    elseif step == 'save' then
      if not p.t then
        call('DEL', p.key, p.aux)
        return
      end
      call('SET', p.aux, fmt(p.base))
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
      -- Leases in order of expiry until enough would be freed: each holds at least 1, so at
      -- most U + c - L of them are read (one for a cost-1 request at the limit), never all.
      local need = p.u + p.c - p.l
      local from, wait = 0, p.p
      while need > 0 do
        local leases = call('ZRANGE', p.key, from, from + min(need, 1000) - 1, 'WITHSCORES')
        if #leases == 0 then break end
        local ids = {}
        for e = 1, #leases, 2 do ids[#ids + 1] = leases[e] end
        local costs = call('HMGET', p.aux, unpack(ids))
        for e = 1, #ids do
          need = need - (costs[e] and tonumber(costs[e]) or 0)
          if need <= 0 then
            wait = tonumber(leases[2 * e]) - now
            break
          end
        end
        from = from + #ids
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
  return sl, cc
end

-- Load: states after advancing to now. Token bucket "S T" (scaled tokens, last refill; fresh
-- [cap, 0]), fixed window "E N" (end of the counted window, count; fresh [0, 0]), sliding
-- window "W N M" (window start, its count, the previous window's count; fresh [0, 0, 0]).
-- Four slots per permit: the state's numbers, then (first of a hash) the hash's deadline.
local S = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
local slowPermits = nil
local sl, cc
local all = true
local i = 1
while i <= n do
  local algo, k, last, l, p, b, unit, rate, cap, c, end1, end2 =
      sunpack(FORMAT, NUM, i * WIDTH - 71)
  if algo <= 3 then
    local vals
    if last > i then
      vals = call('HMGET', KEYS[k], '~', unpack(ARGV, 2 + i, 2 + last))
    else
      vals = call('HMGET', KEYS[k], '~', ARGV[2 + i])
    end
    local first = i
    S[4 * i] = vals[1] and sunpack('<d', vals[1]) or 0
    while true do
      local v = vals[i - first + 2]
      local fit
      if algo == 1 then
        local s, t
        if v then s, t = sunpack('<dd', v) else s, t = cap, 0 end
        local d = cap - s
        if d > 0 then
          local e = max(0, now - t)
          if e >= cdiv(d, rate) then s = cap else s = s + e * rate end
        end
        if t < now then t = now end
        S[4 * i - 3], S[4 * i - 2] = s, t
        fit = c <= b and s >= c * unit
      elseif algo == 2 then
        local e, m
        if v then e, m = sunpack('<dd', v) else e, m = 0, 0 end
        local w
        if end1 > 0 then
          if now < end1 then w = end1
          elseif now < end2 then w = end2
          else return redis.error_reply('gatehouse: clocks disagree by more than a window') end
        else
          w = fdiv(now, p) * p + p
        end
        if w > e then e = w; m = 0 end
        S[4 * i - 3], S[4 * i - 2] = e, m
        fit = c <= l and m + c <= l
      else
        local w, m, q
        if v then w, m, q = sunpack('<ddd', v) else w, m, q = 0, 0, 0 end
        local s = fdiv(now, p) * p
        if s > w then
          if s == w + p then q = m else q = 0 end
          m = 0
          w = s
        end
        S[4 * i - 3], S[4 * i - 2], S[4 * i - 1] = w, m, q
        local a = l - m - c
        fit = c <= l and a >= 0 and q * max(0, p - max(0, now - w)) <= a * p
      end
      all = all and fit
      if i == last then break end
      i = i + 1
      algo, k, last, l, p, b, unit, rate, cap, c, end1, end2 =
          sunpack(FORMAT, NUM, i * WIDTH - 71)
    end
  else
    if not sl then sl, cc = slow() end
    local perm = {
      algo = algo == 4 and sl or cc, key = KEYS[k], aux = KEYS[k + 1],
      l = l, p = p, c = c, u = 0, fit = false
    }
    perm.algo(perm, 'load')
    if op == 1 then
      perm.fit = perm.algo(perm, 'fits')
      all = all and perm.fit
    end
    slowPermits = slowPermits or {}
    slowPermits[i] = perm
  end
  i = i + 1
end

if op == 3 then
  local perm = slowPermits[1]
  if call('ZREM', perm.key, lease) == 1 then
    call('HDEL', perm.aux, lease)
  end
  if call('EXISTS', perm.key) == 0 then call('DEL', perm.aux) end
  return 1
end

local settle = op == 2
local acquire = op == 1
local inspect = op == 4
local consume = all and acquire
local reply = spack('<d', (all and acquire) and 1 or 0)
local hset, h, hashKey, expiresAt, need
i = 1
while i <= n do
  local algo, k, last, l, p, b, unit, rate, cap, c, end1, end2 =
      sunpack(FORMAT, NUM, i * WIDTH - 71)
  local remaining, reset, retry, ttl = 0, 0, 0, 0
  if algo <= 3 then
    if not hashKey then
      hashKey, expiresAt, need = KEYS[k], S[4 * i], 0
      hset = {'HSET', hashKey, false, false, false, false, false, false, false, false}
      h = 2
    end
    local v
    if algo == 1 then
      local s = S[4 * i - 3]
      if consume then s = s - c * unit
      elseif settle then
        if delta < 0 then s = min(cap, s + min(-delta, c) * unit)
        else s = max(-cap, s - min(delta, 2 * b) * unit) end
      end
      if unit == 1 then remaining = max(0, s) else remaining = fdiv(max(0, s), unit) end
      reset = cdiv(cap - s, rate)
      ttl = reset
      if acquire and not all and not (c <= b and s >= c * unit) then
        if c > b then retry = p else retry = max(1, cdiv(c * unit - s, rate)) end
      end
      v = spack('<dd', s, S[4 * i - 2])
    elseif algo == 2 then
      local e, m = S[4 * i - 3], S[4 * i - 2]
      if consume then m = m + c
      elseif settle then
        if delta < 0 then m = max(0, m - min(-delta, c))
        else m = min(2 * l, m + min(delta, 2 * l)) end
      end
      remaining = max(0, l - m)
      if m > 0 then reset = e - now end
      ttl = e - now
      if acquire and not all and not (c <= l and m + c <= l) then
        if c > l then retry = p else retry = max(1, e - now) end
      end
      v = spack('<dd', e, m)
    else
      local w, m, q = S[4 * i - 3], S[4 * i - 2], S[4 * i - 1]
      if consume then m = m + c
      elseif settle then
        if delta < 0 then
          local refund = min(-delta, c)
          local left = refund - m
          if left > 0 then q = max(0, q - left) end
          m = max(0, m - refund)
        else
          m = min(2 * l, m + min(delta, 2 * l))
        end
      end
      local weight = max(0, p - max(0, now - w))
      remaining = max(0, l - (m + cdiv(q * weight, p)))
      if m > 0 then reset = w + 2 * p - now elseif q > 0 then reset = w + p - now end
      ttl = reset
      local a = l - m - c
      if acquire and not all and not (c <= l and a >= 0 and q * weight <= a * p) then
        if c > l then retry = p
        else
          local at
          if a < 0 then at = w + p + (p - fdiv((l - c) * p, m))
          else at = w + (p - fdiv(a * p, q)) end
          retry = max(1, at - now)
        end
      end
      v = spack('<ddd', w, m, q)
    end
    hset[h + 1] = ARGV[2 + i]
    hset[h + 2] = v
    h = h + 2
    need = max(need, now + ttl + MARGIN)
    if i == last and inspect then
      hashKey = nil
    elseif i == last then
      -- The hash lives as long as its longest-lived field: its deadline only moves forward,
      -- in steps of ten seconds, so PEXPIRE runs at most about once per step per hash.
      if need > expiresAt then
        expiresAt = (floor(need / STEP) + 1) * STEP
        hset[h + 1] = '~'
        hset[h + 2] = spack('<d', expiresAt)
        call(unpack(hset, 1, h + 2))
        call('PEXPIRE', hashKey, format('%d', cdiv(expiresAt - now, 1000)))
      else
        call(unpack(hset, 1, h))
      end
      hashKey = nil
    end
  else
    local perm = slowPermits[i]
    local algo = perm.algo
    if consume then algo(perm, 'consume')
    elseif settle then algo(perm, 'settle', delta) end
    remaining = algo(perm, 'remaining')
    reset = algo(perm, 'reset')
    if acquire and not all and not perm.fit then retry = algo(perm, 'retry') end
    if not inspect then algo(perm, 'save', reset) end
  end
  reply = reply .. spack('<ddd', remaining, reset, retry)
  i = i + 1
end
if settle then return 1 end
return reply
