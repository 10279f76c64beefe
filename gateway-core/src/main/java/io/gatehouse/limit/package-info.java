/**
 * Rate limiting: the algorithms, the {@link io.gatehouse.limit.LimitStore} SPI, the in-memory
 * store and the {@link io.gatehouse.limit.TieredRateLimiter}.
 *
 * <h2>The math, defined once</h2>
 *
 * <p>Every store (in this JVM in Java, in Redis in Lua) must reach identical decisions, so the
 * algorithms are defined here exactly, over integers. The Java reference implementation is the
 * package-private classes {@code TokenBucket}, {@code FixedWindow}, {@code SlidingWindow},
 * {@code SlidingLog} and {@code Leases}; a port follows this text and passes the contract test
 * kit ({@code io.gatehouse.limit.LimitStoreContract} in the test-jar).
 *
 * <h3>Notation and number range</h3>
 * <ul>
 *   <li>{@code now}: the store's time in microseconds since the epoch (Redis: {@code TIME}).</li>
 *   <li>{@code L} = {@link io.gatehouse.limit.LimitRule#limit()}, {@code P} =
 *       {@link io.gatehouse.limit.LimitRule#periodMicros()}, {@code B} =
 *       {@link io.gatehouse.limit.LimitRule#burst()}, {@code c} = the permit's cost
 *       (at least 1).</li>
 *   <li>Every stored value and every intermediate product below stays within
 *       {@code [-2^53, 2^53]}; {@link io.gatehouse.limit.LimitRule.Builder#build()} refuses rules
 *       for which that could fail (see each algorithm). Lua's doubles are then exact.</li>
 *   <li>{@code a // b} is floor division, {@code ceil(a / b)} ceiling division, both for
 *       {@code a >= 0, b > 0}. In Lua compute {@code q = math.floor(a / b)} and correct it:
 *       {@code if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end};
 *       {@code ceil(a / b) = (a + b - 1) // b}.</li>
 *   <li>{@code MARGIN} = 1,000,000 µs, added to every TTL.</li>
 *   <li>A state that does not exist is the <em>fresh</em> state given per algorithm. A state
 *       whose TTL has passed equals the fresh state, so expiry never changes a decision.</li>
 * </ul>
 *
 * <h3>One request, several permits</h3>
 * <ol>
 *   <li><b>Advance</b> every permit's state to {@code now} (refill, roll windows, drop expired
 *       log entries and leases). Advancing never changes a decision, so it may be written back
 *       even when the request is refused.</li>
 *   <li><b>Check</b> every permit: it <em>fits</em> per its algorithm. A cost larger than the
 *       capacity ({@code c > B} for token buckets, {@code c > L} otherwise) never fits, with
 *       retry-after {@code P}.</li>
 *   <li>If every permit fits, <b>consume</b> every permit; otherwise consume none.</li>
 *   <li>The verdict: per permit {@code remaining} (after consumption if allowed; never negative)
 *       and {@code reset} (µs until the limit is fully available if nothing else happens).
 *       Allowed: {@code retryAfter = 0}; the deciding permit is the one with the smallest
 *       remaining, ties to the longest reset, then to the lowest index. Refused: the deciding
 *       permit is the refusing one with the largest retry-after (ties to the lowest index) and
 *       {@code retryAfter} is its retry-after, always at least 1.</li>
 *   <li>Write back each state with its TTL (Redis: {@code PEXPIRE ceil(ttl / 1000)} ms).</li>
 * </ol>
 * <p>Shadow rules are decided by the same math; stores do not look at
 * {@link io.gatehouse.limit.LimitRule#shadow()}: the limiter keeps shadow permits out of the
 * enforcing call.
 *
 * <h3>Settling</h3>
 * <p>{@code settle(permit, actual)}: advance the state to {@code now}, then apply
 * {@code delta = actual - c} (nothing if 0). A refund is {@code -delta}, at most {@code c}; a
 * charge is {@code min(delta, 2L)} ({@code 2B} for token buckets). Balances may then go below
 * zero (token bucket, down to {@code -B}) or counts above the limit (windows, up to {@code 2L}),
 * so later requests wait. Per algorithm below.
 *
 * <h3>TOKEN_BUCKET</h3>
 * <p>Constants: {@code g = gcd(L, P)}, {@code unit = P / g} (one token in scaled units),
 * {@code rate = L / g} (scaled units refilled per µs), {@code cap = B * unit}. Tokens are kept
 * scaled, so refill is exact integer arithmetic with no drift. Rules need
 * {@code cap <= 2^51}.
 * <p>State {@code [S, T]}: scaled tokens ({@code -cap <= S <= cap}) and last refill time.
 * Fresh: {@code [cap, now]}.
 * <ul>
 *   <li>Advance: {@code e = max(0, now - T)}; {@code d = cap - S}; if {@code d > 0}: if
 *       {@code e >= ceil(d / rate)} then {@code S = cap} else {@code S = S + e * rate};
 *       {@code T = max(T, now)}.</li>
 *   <li>Fits: {@code S >= c * unit}. Consume: {@code S = S - c * unit}.</li>
 *   <li>Remaining: {@code max(0, S) // unit}. Reset: {@code ceil((cap - S) / rate)}.</li>
 *   <li>Retry-after (refused, {@code c <= B}): {@code ceil((c * unit - S) / rate)}.</li>
 *   <li>Settle: refund {@code S = min(cap, S + r * unit)}; charge
 *       {@code S = max(-cap, S - k * unit)}.</li>
 *   <li>TTL: reset + MARGIN.</li>
 * </ul>
 *
 * <h3>FIXED_WINDOW</h3>
 * <p>Window end: {@code end = now - (now mod P) + P} (epoch aligned). Calendar-aligned rules
 * ({@link io.gatehouse.limit.LimitRule#calendarAligned()}: per day, week or month in a time
 * zone) take their windows from {@link io.gatehouse.limit.LimitRule#windowEndMicros(long)}. A
 * shared store cannot compute time zones, so its client passes two window ends computed on the
 * gateway's clock: {@code end1 = rule.windowEndMicros(gatewayNow)} and
 * {@code end2 = rule.windowEndMicros(end1)}; the store uses {@code end = end1} if
 * {@code now < end1}, else {@code end2} if {@code now < end2}, else it fails (the clocks disagree
 * by more than a window). This tolerates any skew below one window.
 * <p>State {@code [E, N]}: the end of the counted window, units counted in it. Fresh:
 * {@code [end, 0]}. Storing the end (not the start) lets calendar windows of unequal length work
 * without the store knowing the calendar.
 * <ul>
 *   <li>Advance: if {@code end > E} then {@code E = end, N = 0} (a clock that goes back never
 *       reopens an older window).</li>
 *   <li>Fits: {@code N + c <= L}. Consume: {@code N = N + c}.</li>
 *   <li>Remaining: {@code max(0, L - N)}. Reset: {@code N > 0 ? E - now : 0}.</li>
 *   <li>Retry-after: {@code E - now}.</li>
 *   <li>Settle: refund {@code N = max(0, N - r)}; charge {@code N = min(2L, N + k)}.</li>
 *   <li>TTL: {@code E - now} + MARGIN.</li>
 * </ul>
 *
 * <h3>SLIDING_WINDOW (counter approximation)</h3>
 * <p>The count of the current epoch-aligned window plus the previous window's count weighted by
 * the part of the previous window still inside the sliding one, compared without division.
 * Rules need {@code L * P <= 2^51}.
 * <p>State {@code [W, N, M]}: current window start, its count, the previous window's count.
 * Fresh: {@code [start, 0, 0]} with {@code start = now - (now mod P)}.
 * <ul>
 *   <li>Advance: {@code s = now - (now mod P)}; if {@code s == W + P} then
 *       {@code M = N, N = 0, W = s}; else if {@code s > W + P} then {@code M = 0, N = 0, W = s};
 *       (if {@code s <= W} nothing changes). Then {@code e = max(0, now - W)}, the time into the
 *       current window ({@code e < P} unless the clock went back).</li>
 *   <li>Fits: {@code a = L - N - c >= 0} and {@code M * (P - e) <= a * P}.
 *       Consume: {@code N = N + c}.</li>
 *   <li>Remaining: {@code max(0, L - N - ceil(M * (P - e) / P))}.</li>
 *   <li>Reset: {@code N > 0 ? W + 2P - now : (M > 0 ? W + P - now : 0)}.</li>
 *   <li>Retry-after: if {@code a < 0}: {@code W + P + (P - ((L - c) * P) // N) - now} (the
 *       current count, weighted in the next window, must leave room); else
 *       {@code W + (P - (a * P) // M) - now}.</li>
 *   <li>Settle: refund from {@code N} first, then from {@code M}, each floored at 0; charge
 *       {@code N = min(2L, N + k)}.</li>
 *   <li>TTL: reset + MARGIN.</li>
 * </ul>
 *
 * <h3>SLIDING_LOG (exact)</h3>
 * <p>State: the entries admitted in the last {@code P}, ordered by time, each kept as its time
 * {@code t_i} and the running sum {@code C_i} of costs through it ({@code C_i} strictly
 * increasing, so entry {@code i} costs {@code c_i = C_i - C_(i-1)} at least 1), and the base
 * {@code C_0}, the running sum before the oldest entry; {@code U = C_last - C_0}. Fresh: no
 * entries, base 0 (and a log that empties starts again from base 0, so {@code C} counts only
 * units admitted while the log was never empty and stays below 2^53). Rules need
 * {@code L <= 1,000,000}.
 * <ul>
 *   <li>Advance: drop entries with {@code t_i <= now - P}, oldest first; the base becomes the
 *       running sum of the last one dropped.</li>
 *   <li>Fits: {@code U + c <= L}. Consume: append {@code (max(now, t_last), C_last + c)}
 *       (merging into the last entry, whose sum grows, if it has that time).</li>
 *   <li>Remaining: {@code max(0, L - U)}. Reset: {@code t_last + P - now}, or 0 if empty.</li>
 *   <li>Retry-after: the first entry {@code k} with {@code C_k >= C_last + c - L} (the oldest
 *       entries whose expiry frees enough room, found by a search over the running sums, never
 *       a walk over the log); then {@code t_k + P - now}.</li>
 *   <li>Settle: a refund {@code r} moves the base up, {@code C_0 = min(C_last, C_0 + r)}, and
 *       drops entries with {@code C_i <= C_0} (refunding from the oldest entries first, which
 *       never admits more than an exact refund would); a charge appends
 *       {@code (max(now, t_last), C_last + min(k, 2L - U))} if positive.</li>
 *   <li>TTL: reset + MARGIN.</li>
 * </ul>
 *
 * <h3>CONCURRENCY (leases)</h3>
 * <p>State: leases {@code id -> (expiresAt, c)}; {@code U = sum c}. Fresh: none. A lease
 * expires {@code P} after it was taken. Rules need {@code L <= 100,000}.
 * <ul>
 *   <li>Advance: drop leases with {@code expiresAt <= now}.</li>
 *   <li>Fits: the lease id is already held (re-acquiring is idempotent: it renews the expiry and
 *       keeps the cost), or {@code U + c <= L}. Consume: put {@code id -> (now + P, c)}.</li>
 *   <li>Remaining: {@code max(0, L - U)}. Reset: latest {@code expiresAt - now}, or 0.</li>
 *   <li>Retry-after: {@code min(1,000,000, x)} where {@code x = expiresAt_k - now} for the
 *       smallest {@code k} (leases ordered by expiry) with
 *       {@code U - (c_1 + ... + c_k) + c <= L}: leases are usually released long before they
 *       expire, so a client is told to come back within a second. Every lease holds at least
 *       1, so {@code k <= U + c - L}: a refusal reads that many leases, not all of them.</li>
 *   <li>Release: remove the lease (idempotent). Settle: nothing.</li>
 *   <li>TTL: reset + MARGIN.</li>
 * </ul>
 * <p>Lease ids must be unique per admitted request: {@link io.gatehouse.limit.TieredRateLimiter}
 * never uses a client-supplied request id alone, so a client repeating one id cannot share a
 * lease between concurrent requests.
 */
package io.gatehouse.limit;
