package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of README.md and docs/*.md names a file or directory that exists, and a
 * {@code #fragment} of a Markdown file names one of its headings, so moving a section between
 * documents cannot leave a dead link behind.
 */
class DocsLinksTest {

    /** {@code [text](target)} and {@code ![alt](target)}, outside inline code. */
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void everyRelativeLinkOfTheReadmeAndTheGuidesResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path document : MarkdownFiles.readmeAndDocs()) {
            List<String> lines = MarkdownFiles.proseLines(Files.readString(document));
            for (int i = 0; i < lines.size(); i++) {
                Matcher link = LINK.matcher(lines.get(i).replaceAll("`[^`]*`", "``"));
                while (link.find()) {
                    String target = link.group(1);
                    if (target.matches("[a-zA-Z][a-zA-Z+.-]*:.*")) {
                        continue; // https:, mailto: and other absolute links
                    }
                    checked++;
                    String problem = problem(document, target);
                    if (problem != null) {
                        broken.add(MarkdownFiles.displayName(document) + ":" + (i + 1) + ": "
                                + target + " (" + problem + ")");
                    }
                }
            }
        }
        assertThat(broken).as("broken relative links").isEmpty();
        assertThat(checked).as("relative links checked").isGreaterThan(20);
    }

    @Test
    void anchorsFollowGithubsHeadingSlugs() {
        assertThat(MarkdownFiles.anchors("""
                # Gatehouse
                ## Two commands
                ### Request signatures (RFC 9421)
                ## Registering the filter: web.xml, programmatic, embedded Jetty and Tomcat
                ## `services:` reference
                ```
                # not a heading
                ```
                ## Two commands
                """)).containsExactly("gatehouse", "two-commands", "request-signatures-rfc-9421",
                "registering-the-filter-webxml-programmatic-embedded-jetty-and-tomcat",
                "services-reference", "two-commands-1");
    }

    @Test
    void aMissingFileOrHeadingIsReported() throws IOException {
        Path readme = MarkdownFiles.ROOT.resolve("README.md");
        assertThat(problem(readme, "docs/no-such-guide.md")).isEqualTo("no such file");
        assertThat(problem(readme, "docs/proxying.md#no-such-heading"))
                .isEqualTo("no such heading");
        assertThat(problem(readme, "docs/proxying.md")).isNull();
        assertThat(problem(readme, "#two-commands")).isNull();
    }

    /** Why a relative link of a document does not resolve, or null if it does. */
    private static String problem(Path document, String target) throws IOException {
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String fragment = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? document
                : document.getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (fragment == null || !resolved.toString().endsWith(".md")) {
            return null;
        }
        return MarkdownFiles.anchors(Files.readString(resolved)).contains(fragment)
                ? null : "no such heading";
    }
}
