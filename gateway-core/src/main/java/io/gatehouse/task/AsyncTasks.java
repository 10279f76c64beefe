package io.gatehouse.task;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Outcome;
import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asynchronous request-reply: starts admitted requests of {@link AsyncMode async} routes as
 * tasks and answers their status routes. The request's grant (concurrency lease, cost
 * reservation) is held until the task ends and completed with its real outcome: the upstream's
 * status and reported cost, or status 0 when it was cancelled here.
 *
 * <p>A task is {@code pending} once accepted, {@code running} once sent upstream, then
 * {@code completed} (the upstream answered, with any status), {@code failed} (no usable answer)
 * or {@code cancelled}. Only the principal that started it, or one holding the
 * {@value #ADMIN_ROLE} role, may read or cancel it; anyone else gets the same 404 as for an id
 * that does not exist.
 *
 * <p>Thread-safe.
 */
public final class AsyncTasks {

    /** The role that may read and cancel every principal's tasks. */
    public static final String ADMIN_ROLE = "admin";

    private static final Logger LOG = LoggerFactory.getLogger(AsyncTasks.class);
    private static final String JSON = "application/json";
    private static final Set<TaskState> UNFINISHED = Set.of(TaskState.PENDING, TaskState.RUNNING);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** For a task whose route is no longer configured. */
    private static final AsyncMode DEFAULT_MODE = AsyncMode.builder("/tasks")
            .preferRespondAsync().build();

    private final TaskStore store;
    private final LongSupplier millis;
    private final Function<String, Optional<AsyncMode>> modes;
    /** Tasks running on this instance, so that a cancel here aborts their call. */
    private final Map<String, CompletableFuture<TaskOutcome>> running = new ConcurrentHashMap<>();

    /**
     * Tasks kept in {@code store}, timed by {@code millis} (epoch milliseconds); {@code modes}
     * gives the async mode of a route by id (for the time to live and polling interval of a
     * task read or cancelled through a status route).
     */
    public AsyncTasks(TaskStore store, LongSupplier millis,
            Function<String, Optional<AsyncMode>> modes) {
        this.store = Objects.requireNonNull(store, "store");
        this.millis = Objects.requireNonNull(millis, "millis");
        this.modes = Objects.requireNonNull(modes, "modes");
    }

    /** The store tasks are kept in. */
    public TaskStore store() {
        return store;
    }

    /**
     * Whether {@code admitted} asks to run as a task: its route is async and the request says
     * {@code Prefer: respond-async} (when the route honours it) or holds {@code true} at the
     * route's body flag. A body that is not JSON never asks.
     */
    public boolean wantsAsync(Admission.Admitted admitted, byte[] body) {
        AsyncMode mode = admitted.route().async().orElse(null);
        if (mode == null) {
            return false;
        }
        if (mode.preferRespondAsync() && prefersAsync(admitted.request().exchange()
                .headerValues("Prefer"))) {
            return true;
        }
        if (mode.bodyFlag() == null || body.length == 0) {
            return false;
        }
        try {
            JsonNode flag = MAPPER.readTree(body).at(JsonPointer.compile(mode.bodyFlag()));
            return flag.isBoolean() && flag.booleanValue();
        } catch (IOException | RuntimeException notJson) {
            return false;
        }
    }

    /** Whether a {@code Prefer} field names {@code respond-async} (RFC 7240). */
    static boolean prefersAsync(List<String> values) {
        for (String value : values) {
            for (String preference : value.split(",")) {
                String token = preference.split("[;=]", 2)[0].trim();
                if (token.equalsIgnoreCase("respond-async")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Starts {@code admitted} as a task run by {@code runner} and returns the reply for its
     * client: {@code 202 Accepted} with the task id, {@code Location} and {@code Retry-After},
     * or a 503 problem when the store is full or failing (the grant is then completed here).
     * From this call on the task owns the grant.
     */
    public TaskReply start(Admission.Admitted admitted, byte[] body, TaskRunner runner) {
        Route route = admitted.route();
        AsyncMode mode = route.async().orElseThrow(() ->
                new IllegalArgumentException("route " + route.id() + " is not async"));
        long now = millis.getAsLong();
        Task task = new Task(newId(), admitted.principal().id(), route.id(), TaskState.PENDING,
                now, now, null);
        try {
            if (!store.create(task, mode.ttl())) {
                admitted.grant().complete(Outcome.status(503));
                return problem(admitted, ErrorCode.SERVICE_UNAVAILABLE,
                        "too many tasks are in progress; try again later", 1);
            }
        } catch (RuntimeException e) {
            LOG.warn("request {}: the task store failed: {}", admitted.requestId(), e.toString());
            admitted.grant().complete(Outcome.status(503));
            return problem(admitted, ErrorCode.SERVICE_UNAVAILABLE,
                    "tasks cannot be stored right now", 1);
        }
        CompletableFuture<TaskOutcome> call;
        try {
            call = runner.run(admitted, body, mode.maxResultBytes(),
                    () -> move(task, Set.of(TaskState.PENDING), TaskState.RUNNING, null, mode));
        } catch (RuntimeException e) {
            LOG.error("request {}: the task could not start", admitted.requestId(), e);
            call = CompletableFuture.completedFuture(failure(ErrorCode.INTERNAL_ERROR,
                    "the task could not be started", admitted.requestId()));
        }
        running.put(task.id(), call);
        call.whenComplete((outcome, failure) -> finish(admitted, task, mode, outcome, failure));
        if (call.isDone()) {
            running.remove(task.id());
        }
        String location = mode.statusPath() + "/" + task.id();
        ResponseHeaders.Builder headers = ResponseHeaders.builder().addAll(admitted.headers())
                .add("Location", location)
                .add("Retry-After", Long.toString(retryAfterSeconds(mode)));
        if (mode.preferRespondAsync() && prefersAsync(admitted.request().exchange()
                .headerValues("Prefer"))) {
            headers.add("Preference-Applied", "respond-async");
        }
        ObjectNode document = MAPPER.createObjectNode();
        document.put("task_id", task.id());
        document.put("status", TaskState.PENDING.wireName());
        document.put("status_url", location);
        return new TaskReply(202, headers.build(), JSON, bytes(document));
    }

    private void finish(Admission.Admitted admitted, Task task, AsyncMode mode,
            TaskOutcome outcome, Throwable failure) {
        running.remove(task.id());
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (cause instanceof CancellationException) {
            // Cancelled here: the store says so already; the call was aborted before an answer.
            admitted.grant().complete(new Outcome(0, -1));
            return;
        }
        if (cause != null) {
            LOG.error("request {}: task {} failed unexpectedly", admitted.requestId(), task.id(),
                    cause);
            outcome = failure(ErrorCode.INTERNAL_ERROR, "the task failed",
                    admitted.requestId());
        }
        TaskState next = outcome.failed() ? TaskState.FAILED : TaskState.COMPLETED;
        if (!move(task, UNFINISHED, next, outcome.result(), mode)) {
            LOG.debug("request {}: task {} ended but was cancelled or expired meanwhile",
                    admitted.requestId(), task.id());
        }
        // The upstream did the work (or failed) whatever the store says: settle with that.
        admitted.grant().complete(new Outcome(outcome.result().status(), outcome.actualCost()));
    }

    private boolean move(Task task, Set<TaskState> from, TaskState next, TaskResult result,
            AsyncMode mode) {
        try {
            return store.transition(from, task.moved(next, millis.getAsLong(), result),
                    mode.ttl());
        } catch (RuntimeException e) {
            LOG.warn("task {}: recording state {} failed: {}", task.id(), next.wireName(),
                    e.toString());
            return false;
        }
    }

    /**
     * Answers a request to a status route ({@link io.gatehouse.upstream.Target#taskStatus()}):
     * {@code GET}/{@code HEAD} read the task named by the last path segment, {@code DELETE}
     * cancels it. The caller completes the request's grant with the reply's status.
     */
    public TaskReply answer(Admission.Admitted admitted) {
        String path = admitted.request().path();
        String id = path.substring(path.lastIndexOf('/') + 1);
        Optional<Task> found;
        try {
            found = validId(id) ? store.find(id) : Optional.empty();
        } catch (RuntimeException e) {
            LOG.warn("request {}: the task store failed: {}", admitted.requestId(), e.toString());
            return problem(admitted, ErrorCode.SERVICE_UNAVAILABLE,
                    "tasks cannot be read right now", 1);
        }
        if (found.isEmpty() || !mayRead(admitted.principal(), found.get())) {
            // The same answer for a task of someone else as for none: ids are not confirmed.
            return problem(admitted, ErrorCode.NOT_FOUND, "no task " + printable(id), 0);
        }
        Task task = found.get();
        if (!"DELETE".equals(admitted.request().method())) {
            return document(admitted, task);
        }
        if (task.state().terminal()) {
            return conflict(admitted, task);
        }
        Task cancelled = task.moved(TaskState.CANCELLED, millis.getAsLong(), null);
        boolean moved;
        try {
            moved = store.transition(UNFINISHED, cancelled, modeOf(task).ttl());
        } catch (RuntimeException e) {
            LOG.warn("request {}: the task store failed: {}", admitted.requestId(), e.toString());
            return problem(admitted, ErrorCode.SERVICE_UNAVAILABLE,
                    "the task cannot be cancelled right now", 1);
        }
        if (!moved) {
            Optional<Task> now = store.find(id);
            return now.isPresent() ? conflict(admitted, now.get())
                    : problem(admitted, ErrorCode.NOT_FOUND, "no task " + id, 0);
        }
        CompletableFuture<TaskOutcome> call = running.get(id);
        if (call != null) {
            call.cancel(true);
        }
        return document(admitted, cancelled);
    }

    /** The async mode of the route {@code task} was started on, or the defaults. */
    private AsyncMode modeOf(Task task) {
        return modes.apply(task.routeId()).orElse(DEFAULT_MODE);
    }

    private static boolean mayRead(Principal principal, Task task) {
        return !principal.isAnonymous() && principal.id().equals(task.owner())
                || principal.roles().contains(ADMIN_ROLE);
    }

    private static boolean validId(String id) {
        if (id.length() != 32) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String id) {
        return id.length() <= 64 && id.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? id
                : "(malformed id)";
    }

    private TaskReply conflict(Admission.Admitted admitted, Task task) {
        return new TaskReply(409, admitted.headers(), Problem.MEDIA_TYPE,
                Problem.of(ErrorCode.CONFLICT, "task " + task.id() + " has already ended ("
                        + task.state().wireName() + ")", admitted.requestId())
                        .with("task_status", task.state().wireName()).toJson());
    }

    private TaskReply document(Admission.Admitted admitted, Task task) {
        ObjectNode document = MAPPER.createObjectNode();
        document.put("task_id", task.id());
        document.put("status", task.state().wireName());
        document.put("route", task.routeId());
        document.put("created_at", Instant.ofEpochMilli(task.createdAt()).toString());
        document.put("updated_at", Instant.ofEpochMilli(task.updatedAt()).toString());
        if (task.result() != null) {
            document.set("result", resultNode(task.result()));
        }
        ResponseHeaders headers = admitted.headers();
        if (!task.state().terminal()) {
            long retryAfter = retryAfterSeconds(modeOf(task));
            headers = headers.with(ResponseHeaders.builder()
                    .add("Retry-After", Long.toString(retryAfter)).build());
        }
        return new TaskReply(200, headers, JSON, bytes(document));
    }

    /**
     * The result as JSON: {@code status}, {@code headers} (name to list of values), and the
     * body as JSON when it is JSON, as {@code body_text} when it is other UTF-8 text, else as
     * {@code body_base64}.
     */
    static ObjectNode resultNode(TaskResult result) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("status", result.status());
        ObjectNode headers = node.putObject("headers");
        Map<String, ArrayNode> byName = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : result.headers()) {
            byName.computeIfAbsent(header.getKey(), headers::putArray).add(header.getValue());
        }
        byte[] body = result.body();
        if (body.length == 0) {
            return node;
        }
        String type = result.header("Content-Type");
        if (type != null && type.toLowerCase(Locale.ROOT).contains("json")) {
            try {
                node.set("body", MAPPER.readTree(body));
                return node;
            } catch (IOException notJson) {
                // Fall through: kept as text or bytes.
            }
        }
        try {
            node.put("body_text", StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException binary) {
            node.put("body_base64", Base64.getEncoder().encodeToString(body));
        }
        return node;
    }

    /** The outcome of a call the gateway could not complete: its problem, as the result. */
    public static TaskOutcome failure(ErrorCode code, String detail, String requestId) {
        byte[] problem = Problem.of(code, detail, requestId).toJson();
        return new TaskOutcome(new TaskResult(code.status(),
                List.of(Map.entry("Content-Type", Problem.MEDIA_TYPE)), problem), true, -1);
    }

    private static TaskReply problem(Admission.Admitted admitted, ErrorCode code, String detail,
            long retryAfter) {
        ResponseHeaders headers = admitted.headers();
        if (retryAfter > 0) {
            headers = headers.with(ResponseHeaders.builder()
                    .add("Retry-After", Long.toString(retryAfter)).build());
        }
        return new TaskReply(code.status(), headers, Problem.MEDIA_TYPE,
                Problem.of(code, detail, admitted.requestId()).toJson());
    }

    private static long retryAfterSeconds(AsyncMode mode) {
        long seconds = (mode.retryAfter().toMillis() + 999) / 1000;
        return Math.max(1, seconds);
    }

    private static String newId() {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("a status document could not be written", e);
        }
    }

    /** Tasks of this instance whose call is still in flight; for tests and metrics. */
    public int runningHere() {
        return running.size();
    }
}
