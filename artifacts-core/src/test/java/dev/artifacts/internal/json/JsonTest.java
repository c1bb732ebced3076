package dev.artifacts.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesEveryValueKind() {
    Object v =
        Json.parse(" {\"s\":\"a\\u00e9\\n\\\"\",\"i\":-12,\"big\":123456789012345678901,"
            + "\"f\":1.5e2,\"t\":true,\"n\":null,\"a\":[1,{\"x\":[]}],\"o\":{}} ");
    assertThat(v).isInstanceOf(Map.class);
    Map<?, ?> m = (Map<?, ?>) v;
    assertThat(m.get("s")).isEqualTo("a\u00e9\n\"");
    assertThat(m.get("i")).isEqualTo(-12L);
    assertThat(m.get("big")).isEqualTo(new BigDecimal("123456789012345678901"));
    assertThat(m.get("f")).isEqualTo(new BigDecimal("1.5e2"));
    assertThat(m.get("t")).isEqualTo(Boolean.TRUE);
    assertThat(m.containsKey("n")).isTrue();
    assertThat(m.get("n")).isNull();
    assertThat(m.get("a")).isEqualTo(List.of(1L, Map.of("x", List.of())));
    assertThat(m.get("o")).isEqualTo(Map.of());
  }

  @Test
  void writesWhatItReads() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", "a\"b\\c\u0001\u2028");
    m.put("n", 5L);
    m.put("list", List.of(true, false));
    m.put("nothing", null);
    String text = Json.write(m);
    assertThat(text)
        .isEqualTo("{\"id\":\"a\\\"b\\\\c\\u0001\\u2028\",\"n\":5,\"list\":[true,false],\"nothing\":null}");
    assertThat(Json.parse(text)).isEqualTo(m);
  }

  @Test
  void rejectsMalformedInputNamingTheOffset() {
    for (String bad :
        new String[] {"", "{", "{\"a\":}", "[1,]", "01", "1.", "\"\\x\"", "{\"a\":1,\"a\":2}",
            "tru", "{} x", "\"a\u0001\"", "-", "1e"}) {
      assertThatThrownBy(() -> Json.parse(bad))
          .as(bad)
          .isInstanceOf(Json.ParseException.class)
          .hasMessageContaining("malformed JSON at offset");
    }
  }

  @Test
  void refusesNestingBeyondTheLimit() {
    String deep = "[".repeat(100) + "]".repeat(100);
    assertThatThrownBy(() -> Json.parse(deep)).hasMessageContaining("nesting deeper than");
  }
}
