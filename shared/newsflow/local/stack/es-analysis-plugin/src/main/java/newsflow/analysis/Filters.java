package newsflow.analysis;

import java.util.List;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.de.GermanLightStemFilter;
import org.apache.lucene.analysis.de.GermanNormalizationFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.es.SpanishLightStemFilter;
import org.apache.lucene.analysis.fr.FrenchLightStemFilter;
import org.apache.lucene.analysis.it.ItalianLightStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.util.ElisionFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.tartarus.snowball.ext.DutchStemmer;

/**
 * The Lucene token filters newsflow's mapping needs, for a node without the analysis-common module.
 *
 * Each filter is exactly the Lucene class that the named built-in filter of a full distribution uses
 * (given in each comment), so an index analyses text the same way on both. The elision article lists
 * must stay equal to ELISION_ARTICLES in newsflow/index/analysis.py (a unit test compares them).
 */
public final class Filters {
    private Filters() {}

    static final List<String> FRENCH_ARTICLES = List.of(
        "l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu");
    static final List<String> ITALIAN_ARTICLES = List.of(
        "c", "l", "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl", "dagl", "degl",
        "negl", "sugl", "un", "m", "t", "s", "v", "d");

    /** stemmer, language possessive_english. */
    @NamedComponent("newsflow_possessive_english")
    public static final class PossessiveEnglish implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new EnglishPossessiveFilter(in);
        }
    }

    /** stemmer, language light_english (KStem). */
    @NamedComponent("newsflow_light_english")
    public static final class LightEnglish implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new KStemFilter(in);
        }
    }

    /** asciifolding (analyzers only: the stable API cannot provide a filter to keyword normalizers). */
    @NamedComponent("newsflow_asciifolding")
    public static final class AsciiFolding implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new ASCIIFoldingFilter(in);
        }
    }

    /** german_normalization. */
    @NamedComponent("newsflow_german_normalization")
    public static final class GermanNormalization implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new GermanNormalizationFilter(in);
        }
    }

    /** stemmer, language light_german. */
    @NamedComponent("newsflow_light_german")
    public static final class LightGerman implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new GermanLightStemFilter(in);
        }
    }

    /** elision with the French articles. */
    @NamedComponent("newsflow_elision_french")
    public static final class ElisionFrench implements TokenFilterFactory {
        private static final CharArraySet ARTICLES = CharArraySet.unmodifiableSet(new CharArraySet(FRENCH_ARTICLES, true));

        @Override
        public TokenStream create(TokenStream in) {
            return new ElisionFilter(in, ARTICLES);
        }
    }

    /** stemmer, language light_french. */
    @NamedComponent("newsflow_light_french")
    public static final class LightFrench implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new FrenchLightStemFilter(in);
        }
    }

    /** stemmer, language light_spanish. */
    @NamedComponent("newsflow_light_spanish")
    public static final class LightSpanish implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new SpanishLightStemFilter(in);
        }
    }

    /** elision with the Italian articles. */
    @NamedComponent("newsflow_elision_italian")
    public static final class ElisionItalian implements TokenFilterFactory {
        private static final CharArraySet ARTICLES = CharArraySet.unmodifiableSet(new CharArraySet(ITALIAN_ARTICLES, true));

        @Override
        public TokenStream create(TokenStream in) {
            return new ElisionFilter(in, ARTICLES);
        }
    }

    /** stemmer, language light_italian. */
    @NamedComponent("newsflow_light_italian")
    public static final class LightItalian implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new ItalianLightStemFilter(in);
        }
    }

    /** stemmer, language dutch (Snowball). */
    @NamedComponent("newsflow_dutch")
    public static final class Dutch implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new SnowballFilter(in, new DutchStemmer());
        }
    }
}
