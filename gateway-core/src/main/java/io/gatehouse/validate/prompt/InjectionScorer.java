package io.gatehouse.validate.prompt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores how much a text looks like a prompt-injection attempt, in one pass over its characters
 * and without allocating: words are hashed as they are read, looked up in a small vocabulary,
 * and word patterns (with bounded gaps, so "ignore all of the previous instructions" and
 * "ignore previous instructions" both match) are checked against the last words seen. Each
 * signal category counts once; the score is the sum of the categories found. Long base64 or hex
 * runs are one more category.
 *
 * <p>A heuristic, not a classifier: it catches the common phrasings (OWASP LLM01 examples,
 * jailbreak templates, chat-template markers, encoded payloads) and is measured against benign
 * prompts by the tests. Immutable.
 */
final class InjectionScorer {

    /** Signal categories, their weights, and the patterns that raise them. */
    enum Signal {
        OVERRIDE(6), EXFILTRATION(6), JAILBREAK(5), ROLE_MARKER(4), ENCODED_PAYLOAD(3),
        DECODE_AND_OBEY(3), NEW_INSTRUCTIONS(3), SECRET_REQUEST(3), SUSPICIOUS_TERM(2);

        final int weight;

        Signal(int weight) {
            this.weight = weight;
        }
    }

    private static final Map<String, String> CLASSES = Map.ofEntries(
            Map.entry("IGNORE", "ignore ignoring disregard disregarding forget bypass override "
                    + "overrule skip overlook discard abandon neglect"),
            Map.entry("PRIOR", "previous prior above earlier preceding former original initial "
                    + "old foregoing existing"),
            Map.entry("INSTR", "instructions instruction rules rule directions directives "
                    + "guidelines prompts prompt constraints guardrails programming restrictions "
                    + "policies safeguards commands orders context"),
            Map.entry("ALL", "all any your every these those"),
            Map.entry("REVEAL", "reveal print show display output repeat tell leak dump disclose "
                    + "share recite expose provide write give paste echo return"),
            Map.entry("HIDDEN", "system hidden secret initial original internal confidential "
                    + "developer preprompt underlying"),
            Map.entry("PROMPTWORD", "prompt prompts instructions instruction message rules "
                    + "preprompt configuration guidelines directives"),
            Map.entry("TEXT", "text words everything content tokens lines"),
            Map.entry("FREE", "unrestricted unfiltered uncensored jailbroken unbound unlimited "
                    + "amoral unethical evil limitless"),
            Map.entry("LIMITS", "restrictions restriction filters filter limits limitations rules "
                    + "guidelines ethics morals censorship boundaries guardrails policies policy "
                    + "safeguards"),
            Map.entry("PRETEND", "pretend act imagine roleplay simulate behave become"),
            Map.entry("DISABLE", "disable disabling deactivate remove turn switch"),
            Map.entry("SAFETY", "safety filter filters guardrails moderation censorship "
                    + "safeguards alignment"),
            Map.entry("DECODE", "decode decoded decipher decrypt translate convert"),
            Map.entry("ENCODING", "base64 b64 rot13 hex hexadecimal encoded binary cipher"),
            Map.entry("OBEY", "follow execute run obey perform do carry apply"),
            Map.entry("NEW", "new updated revised real actual true override"),
            Map.entry("MODE", "developer god jailbreak jailbroken unrestricted dan"),
            Map.entry("JAILBREAK", "jailbreak jailbroken jailbreaking"));

    /** Pattern text: classes (upper case) or literal words, {@code ~N} allows N words between. */
    private static final Object[][] PATTERNS = {
        {Signal.OVERRIDE, "IGNORE ~3 PRIOR ~2 INSTR"},
        {Signal.OVERRIDE, "IGNORE ~1 ALL ~2 INSTR"},
        {Signal.OVERRIDE, "IGNORE ~1 the ~1 INSTR ~3 you|given"},
        {Signal.OVERRIDE, "IGNORE ~2 everything ~3 PRIOR|said|told"},
        {Signal.OVERRIDE, "do|don not|t ~1 follow|obey ~2 PRIOR|ALL ~2 INSTR"},
        {Signal.OVERRIDE, "no longer ~1 bound|restricted|limited|constrained ~3 INSTR|LIMITS"},
        {Signal.OVERRIDE, "INSTR ~2 no longer apply|matter"},
        {Signal.EXFILTRATION, "REVEAL ~4 HIDDEN ~1 PROMPTWORD"},
        {Signal.EXFILTRATION, "REVEAL ~3 ALL ~1 PROMPTWORD ~2 verbatim|exactly|word"},
        {Signal.EXFILTRATION, "REVEAL ~3 TEXT ~2 PRIOR|before ~2 verbatim|exactly|including"},
        {Signal.EXFILTRATION, "what ~2 your ~1 HIDDEN ~1 PROMPTWORD"},
        {Signal.EXFILTRATION, "repeat ~2 TEXT ~2 above"},
        {Signal.EXFILTRATION, "REVEAL ~3 PRIOR ~1 PROMPTWORD"},
        {Signal.JAILBREAK, "you are now ~3 FREE|dan|MODE"},
        {Signal.JAILBREAK, "do anything now"},
        {Signal.JAILBREAK, "dan mode"},
        {Signal.JAILBREAK, "MODE mode enabled|activated"},
        {Signal.JAILBREAK, "enable|activate|enter ~2 MODE mode"},
        {Signal.JAILBREAK, "answer|respond|reply ~2 without ~3 LIMITS"},
        {Signal.JAILBREAK, "ai|assistant|model|chatbot without ~2 LIMITS"},
        {Signal.SUSPICIOUS_TERM, "JAILBREAK"},
        {Signal.SUSPICIOUS_TERM, "MODE mode"},
        {Signal.SUSPICIOUS_TERM, "without|no ~2 LIMITS"},
        {Signal.SUSPICIOUS_TERM, "FREE"},
        {Signal.SECRET_REQUEST, "REVEAL ~4 api ~1 keys|key|tokens"},
        {Signal.SECRET_REQUEST, "REVEAL ~4 password|passwords|credentials|secrets"},
        {Signal.JAILBREAK, "PRETEND ~6 no|without|free ~2 LIMITS"},
        {Signal.JAILBREAK, "PRETEND ~4 FREE"},
        {Signal.JAILBREAK, "FREE ~2 ai|assistant|model|chatbot|version"},
        {Signal.JAILBREAK, "DISABLE ~3 SAFETY"},
        {Signal.JAILBREAK, "without ~2 LIMITS ~3 answer|respond|reply"},
        {Signal.ROLE_MARKER, "im start|end ~1 system"},
        {Signal.ROLE_MARKER, "inst|sys"},
        {Signal.ROLE_MARKER, "end ~1 of ~1 system ~1 prompt|message"},
        {Signal.ROLE_MARKER, "begin|start ~1 new ~1 system ~1 prompt|message"},
        {Signal.DECODE_AND_OBEY, "DECODE ~5 OBEY"},
        {Signal.DECODE_AND_OBEY, "ENCODING ~6 OBEY|instructions"},
        {Signal.NEW_INSTRUCTIONS, "NEW ~1 INSTR ~1 are|follow|is"},
        {Signal.NEW_INSTRUCTIONS, "from now on ~2 you ~3 will|must|are|shall"},
        {Signal.NEW_INSTRUCTIONS, "system ~1 override|update|prompt ~1 new"},
    };

    /** Base64 or hex runs at least this long (with letters and digits mixed) are a payload. */
    static final int ENCODED_RUN = 64;
    private static final int WINDOW = 16;
    private static final int MAX_WORD = 32;
    private static final long SEED = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private final long[] tableKeys;
    /** Word class bits 0-63 and 64-127 of each vocabulary word. */
    private final long[] tableLow;
    private final long[] tableHigh;
    private final int tableMask;
    private final long[][] stepsLow;
    private final long[][] stepsHigh;
    private final int[][] gaps;
    private final Signal[] signals;
    private final long lastLow;
    private final long lastHigh;

    InjectionScorer() {
        Map<String, Integer> bits = new HashMap<>();
        Map<String, long[]> words = new HashMap<>();
        List<long[]> lowList = new ArrayList<>();
        List<long[]> highList = new ArrayList<>();
        List<int[]> gapList = new ArrayList<>();
        List<Signal> signalList = new ArrayList<>();
        for (Object[] pattern : PATTERNS) {
            String[] tokens = ((String) pattern[1]).split(" ");
            List<long[]> patternSteps = new ArrayList<>();
            List<Integer> patternGaps = new ArrayList<>();
            int gap = 0;
            for (String token : tokens) {
                if (token.startsWith("~")) {
                    gap = Integer.parseInt(token.substring(1));
                    continue;
                }
                patternSteps.add(step(token, bits, words));
                patternGaps.add(gap);
                gap = 0;
            }
            lowList.add(patternSteps.stream().mapToLong(mask -> mask[0]).toArray());
            highList.add(patternSteps.stream().mapToLong(mask -> mask[1]).toArray());
            gapList.add(patternGaps.stream().mapToInt(Integer::intValue).toArray());
            signalList.add((Signal) pattern[0]);
        }
        this.stepsLow = lowList.toArray(new long[0][]);
        this.stepsHigh = highList.toArray(new long[0][]);
        this.gaps = gapList.toArray(new int[0][]);
        this.signals = signalList.toArray(new Signal[0]);
        long low = 0;
        long high = 0;
        for (int p = 0; p < stepsLow.length; p++) {
            low |= stepsLow[p][stepsLow[p].length - 1];
            high |= stepsHigh[p][stepsHigh[p].length - 1];
        }
        this.lastLow = low;
        this.lastHigh = high;
        int size = Integer.highestOneBit(words.size() * 4);
        this.tableKeys = new long[size];
        this.tableLow = new long[size];
        this.tableHigh = new long[size];
        this.tableMask = size - 1;
        words.forEach((word, mask) -> {
            long hash = hash(word);
            int slot = (int) (hash ^ hash >>> 32) & tableMask;
            while ((tableLow[slot] | tableHigh[slot]) != 0 && tableKeys[slot] != hash) {
                slot = slot + 1 & tableMask;
            }
            tableKeys[slot] = hash;
            tableLow[slot] |= mask[0];
            tableHigh[slot] |= mask[1];
        });
    }

    /** One step's mask: the bits of its classes and one bit for its literal words together. */
    private static long[] step(String token, Map<String, Integer> bits,
            Map<String, long[]> words) {
        long[] mask = new long[2];
        StringBuilder literals = new StringBuilder();
        for (String alternative : token.split("\\|")) {
            if (CLASSES.containsKey(alternative)) {
                set(mask, bit(alternative, CLASSES.get(alternative), bits, words));
            } else {
                literals.append(literals.length() == 0 ? "" : " ").append(alternative);
            }
        }
        if (literals.length() > 0) {
            set(mask, bit(literals.toString(), literals.toString(), bits, words));
        }
        return mask;
    }

    /** The bit of a class or literal word group; every member word gets the bit. */
    private static int bit(String key, String members, Map<String, Integer> bits,
            Map<String, long[]> words) {
        Integer known = bits.get(key);
        if (known != null) {
            return known;
        }
        if (bits.size() == 2 * Long.SIZE) {
            throw new IllegalStateException("more than 128 word classes");
        }
        int bit = bits.size();
        bits.put(key, bit);
        for (String word : members.split(" ")) {
            set(words.computeIfAbsent(word.toLowerCase(Locale.ROOT), w -> new long[2]), bit);
        }
        return bit;
    }

    private static void set(long[] mask, int bit) {
        mask[bit >>> 6] |= 1L << bit;
    }

    private static long hash(String word) {
        long hash = SEED;
        for (int i = 0; i < word.length(); i++) {
            hash = (hash ^ word.charAt(i)) * PRIME;
        }
        return hash;
    }

    /** The slot of a vocabulary word's hash, or -1 for a word outside the vocabulary. */
    private int lookup(long hash) {
        int slot = (int) (hash ^ hash >>> 32) & tableMask;
        while ((tableLow[slot] | tableHigh[slot]) != 0) {
            if (tableKeys[slot] == hash) {
                return slot;
            }
            slot = slot + 1 & tableMask;
        }
        return -1;
    }

    /** The signals found in {@code text}, one bit per {@link Signal} ordinal. */
    int signals(CharSequence text) {
        long[] windowLow = new long[WINDOW];
        long[] windowHigh = new long[WINDOW];
        int wordCount = 0;
        int found = 0;
        long hash = SEED;
        int wordLength = 0;
        int run = 0;
        boolean runHasDigit = false;
        boolean runHasLetter = false;
        int length = text.length();
        for (int i = 0; i <= length; i++) {
            char c = i < length ? text.charAt(i) : ' ';
            boolean asciiLetter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
            boolean asciiDigit = c >= '0' && c <= '9';
            if (asciiLetter || asciiDigit || c >= 128 && Character.isLetterOrDigit(c)) {
                char lower = asciiLetter ? (char) (c | 0x20)
                        : asciiDigit ? c : Character.toLowerCase(c);
                hash = (hash ^ lower) * PRIME;
                wordLength++;
            } else if (wordLength > 0) {
                int slot = wordLength <= MAX_WORD ? lookup(hash) : -1;
                long low = slot < 0 ? 0 : tableLow[slot];
                long high = slot < 0 ? 0 : tableHigh[slot];
                windowLow[wordCount % WINDOW] = low;
                windowHigh[wordCount % WINDOW] = high;
                wordCount++;
                if ((low & lastLow | high & lastHigh) != 0) {
                    found |= matchEnding(windowLow, windowHigh, wordCount, low, high, found);
                }
                hash = SEED;
                wordLength = 0;
            }
            if (asciiLetter || asciiDigit || c == '+' || c == '/' || c == '=' || c == '-'
                    || c == '_') {
                run++;
                runHasDigit |= asciiDigit;
                runHasLetter |= asciiLetter;
                if (run >= ENCODED_RUN && runHasDigit && runHasLetter) {
                    found |= 1 << Signal.ENCODED_PAYLOAD.ordinal();
                }
            } else {
                run = 0;
                runHasDigit = false;
                runHasLetter = false;
            }
        }
        return found;
    }

    private int matchEnding(long[] windowLow, long[] windowHigh, int wordCount, long low,
            long high, int alreadyFound) {
        int found = alreadyFound;
        for (int p = 0; p < stepsLow.length; p++) {
            int last = stepsLow[p].length - 1;
            if ((stepsLow[p][last] & low | stepsHigh[p][last] & high) != 0
                    && (found & 1 << signals[p].ordinal()) == 0
                    && matches(windowLow, windowHigh, wordCount, p, last, wordCount - 1)) {
                found |= 1 << signals[p].ordinal();
            }
        }
        return found;
    }

    /** Whether steps {@code 0..step} of pattern {@code p} end at word {@code position}. */
    private boolean matches(long[] windowLow, long[] windowHigh, int wordCount, int p,
            int step, int position) {
        if (step == 0) {
            return true;
        }
        for (int skip = 0; skip <= gaps[p][step]; skip++) {
            int previous = position - 1 - skip;
            if (previous < 0 || wordCount - previous > WINDOW) {
                return false;
            }
            int at = previous % WINDOW;
            if ((windowLow[at] & stepsLow[p][step - 1] | windowHigh[at] & stepsHigh[p][step - 1])
                    != 0 && matches(windowLow, windowHigh, wordCount, p, step - 1, previous)) {
                return true;
            }
        }
        return false;
    }

    /** The score of a set of signals: the sum of their weights. */
    static int score(int signals) {
        int score = 0;
        for (Signal signal : Signal.values()) {
            if ((signals & 1 << signal.ordinal()) != 0) {
                score += signal.weight;
            }
        }
        return score;
    }

    /** The names of a set of signals, lower case, for logs. */
    static String names(int signals) {
        StringBuilder names = new StringBuilder();
        for (Signal signal : Signal.values()) {
            if ((signals & 1 << signal.ordinal()) != 0) {
                names.append(names.length() == 0 ? "" : ",")
                        .append(signal.name().toLowerCase(Locale.ROOT));
            }
        }
        return names.toString();
    }
}
