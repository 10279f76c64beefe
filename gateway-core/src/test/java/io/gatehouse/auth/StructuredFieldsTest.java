package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.auth.StructuredFields.Bytes;
import io.gatehouse.auth.StructuredFields.InnerList;
import io.gatehouse.auth.StructuredFields.Item;
import io.gatehouse.auth.StructuredFields.Member;
import io.gatehouse.auth.StructuredFields.Token;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StructuredFieldsTest {

    @Test
    void signatureInputParsesIntoInnerListWithParameters() {
        Map<String, Member> dictionary = StructuredFields.parseDictionary(
                "sig1=(\"@method\" \"@query-param\";name=\"Pet\");created=1618884473;"
                        + "keyid=\"k\";alg=\"ed25519\", sig2=();created=1");

        assertThat(dictionary.keySet()).containsExactly("sig1", "sig2");
        InnerList sig1 = (InnerList) dictionary.get("sig1");
        assertThat(sig1.items()).containsExactly(new Item("@method", Map.of()),
                new Item("@query-param", Map.of("name", "Pet")));
        assertThat(sig1.params()).containsExactly(Map.entry("created", 1618884473L),
                Map.entry("keyid", "k"), Map.entry("alg", "ed25519"));
        assertThat(StructuredFields.serialize(sig1)).isEqualTo("(\"@method\" "
                + "\"@query-param\";name=\"Pet\");created=1618884473;keyid=\"k\";alg=\"ed25519\"");
    }

    @Test
    void everyBareItemTypeParses() {
        Map<String, Member> dictionary = StructuredFields.parseDictionary(
                "a=1, b=-2.5, c=\"x\\\"y\", d=sha-256, e=:AQID:, f=?0, g, h;p=?1");

        assertThat(((Item) dictionary.get("a")).value()).isEqualTo(1L);
        assertThat(((Item) dictionary.get("b")).value()).isEqualTo(new BigDecimal("-2.5"));
        assertThat(StructuredFields.parseDictionary("x=1.50, y=100.000"))
                .isEqualTo(StructuredFields.parseDictionary("x=1.5, y=100.0"));
        assertThat(StructuredFields.serializeDictionary(
                StructuredFields.parseDictionary("x=1.50, y=100.000"))).isEqualTo("x=1.5, y=100.0");
        assertThat(((Item) dictionary.get("c")).value()).isEqualTo("x\"y");
        assertThat(((Item) dictionary.get("d")).value()).isEqualTo(new Token("sha-256"));
        assertThat(((Item) dictionary.get("e")).value()).isEqualTo(new Bytes(new byte[] {1, 2, 3}));
        assertThat(((Item) dictionary.get("f")).value()).isEqualTo(false);
        assertThat(((Item) dictionary.get("g")).value()).isEqualTo(true);
        assertThat(dictionary.get("h").params()).containsExactly(Map.entry("p", true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a=1,", "a=1,,b=2", "A=1", "a=(1", "a=\"unterminated",
            "a=\"bad\\escape\"", "a=1234567890123456", "a=1.2345", "a=1234567890123.1",
            "a=:not base64!:", "a=?2", "a=1 b=2", "a=\"caf\u00e9\"", "a=(1 2)x", "a=@",
            "a=-", "a=1;", "a=1;B=2", "a=(\"x\"\"y\")"})
    void malformedDictionariesAreRefused(String field) {
        assertThatThrownBy(() -> StructuredFields.parseDictionary(field))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("structured field: ");
    }

    @Test
    void laterDuplicateKeysOverrideEarlierOnes() {
        assertThat(StructuredFields.parseDictionary("a=1, b=2, a=3"))
                .containsExactly(Map.entry("a", new Item(3L, Map.of())),
                        Map.entry("b", new Item(2L, Map.of())));
    }

    @Property
    void serializedDictionariesParseBackToTheSameValue(
            @ForAll("dictionaries") Map<String, Member> dictionary) {
        String serialized = StructuredFields.serializeDictionary(dictionary);

        assertThat(StructuredFields.parseDictionary(serialized)).isEqualTo(dictionary);
        assertThat(StructuredFields.serializeDictionary(StructuredFields.parseDictionary(
                serialized))).isEqualTo(serialized);
    }

    @Property
    void arbitraryTextEitherParsesOrIsRefusedCleanly(
            @ForAll @StringLength(max = 60) String text) {
        try {
            Map<String, Member> parsed = StructuredFields.parseDictionary(text);
            // Whatever parses serializes to a canonical form that parses to the same value.
            String canonical = StructuredFields.serializeDictionary(parsed);
            assertThat(StructuredFields.parseDictionary(canonical)).isEqualTo(parsed);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageStartingWith("structured field: ");
        }
    }

    @Property
    void fieldsBuiltFromStructuredFragmentsNeverFailUnexpectedly(
            @ForAll("fragmentSoup") String text) {
        try {
            Map<String, Member> parsed = StructuredFields.parseDictionary(text);
            assertThat(StructuredFields.parseDictionary(
                    StructuredFields.serializeDictionary(parsed))).isEqualTo(parsed);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageStartingWith("structured field: ");
        }
    }

    @Provide
    Arbitrary<String> fragmentSoup() {
        return Arbitraries.of("a", "b=", "=", "(", ")", "\"", "\\", ";", ",", " ", ":", "?1",
                "1", "-", ".", "x", "\"s\"", ":AQ==:", "tok/en", "*", "\t").list().ofMaxSize(12)
                .map(parts -> String.join("", parts));
    }

    @Provide
    Arbitrary<Map<String, Member>> dictionaries() {
        return Arbitraries.maps(keys(), members()).ofMaxSize(5)
                .map(LinkedHashMap::new);
    }

    private Arbitrary<String> keys() {
        Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').with('*');
        Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z')
                .withCharRange('0', '9').withChars('_', '-', '.', '*').ofMaxLength(8);
        return Combinators.combine(first, rest).as((c, s) -> c + s);
    }

    private Arbitrary<Member> members() {
        Arbitrary<Item> items = items();
        Arbitrary<Member> innerLists = Combinators.combine(items.list().ofMaxSize(4), params())
                .as(InnerList::new);
        return Arbitraries.oneOf(items.map(item -> item), innerLists);
    }

    private Arbitrary<Item> items() {
        return Combinators.combine(bareItems(), params()).as(Item::new);
    }

    private Arbitrary<Map<String, Object>> params() {
        return Arbitraries.maps(keys(), bareItems()).ofMaxSize(3).map(LinkedHashMap::new);
    }

    private Arbitrary<Object> bareItems() {
        Arbitrary<Object> integers = Arbitraries.longs()
                .between(-999_999_999_999_999L, 999_999_999_999_999L).map(value -> value);
        Arbitrary<Object> decimals = Arbitraries.bigDecimals()
                .between(new BigDecimal("-999999999999.999"), new BigDecimal("999999999999.999"))
                .ofScale(3)
                .map(value -> new BigDecimal(serializedDecimal(value)).stripTrailingZeros());
        Arbitrary<Object> strings = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20)
                .map(value -> value);
        Arbitrary<Object> tokens = Combinators.combine(
                Arbitraries.chars().range('a', 'z').range('A', 'Z').with('*'),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9')
                        .withChars("!#$%&'*+-.^_`|~:/".toCharArray()).ofMaxLength(10))
                .as((c, s) -> (Object) new Token(c + s));
        Arbitrary<Object> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(20)
                .map(value -> (Object) new Bytes(value));
        Arbitrary<Object> booleans = Arbitraries.of(true, false).map(value -> value);
        return Arbitraries.oneOf(integers, decimals, strings, tokens, bytes, booleans);
    }

    /** The value a decimal has once serialized (three fraction digits at most, trimmed). */
    private static String serializedDecimal(BigDecimal value) {
        return StructuredFields.serialize(new Item(value, Map.of()));
    }

    @Test
    void decimalsSerializeWithOneToThreeFractionDigits() {
        assertThat(StructuredFields.serialize(new Item(new BigDecimal("100"), Map.of())))
                .isEqualTo("100.0");
        assertThat(StructuredFields.serialize(new Item(new BigDecimal("1.25"), Map.of())))
                .isEqualTo("1.25");
        assertThat(StructuredFields.serialize(new Item(new BigDecimal("0.0005"), Map.of())))
                .isEqualTo("0.0");
        assertThat(StructuredFields.serializeDictionary(Map.of("k",
                new InnerList(List.of(new Item(true, Map.of())), Map.of("p", true)))))
                .isEqualTo("k=(?1);p");
    }
}
