-- Full-text search. Each service has one weighted document built across the service, its
-- organisation and its activity types (A: names and activity types; B: the everyday words
-- for those activity types; C: descriptions), kept current by triggers. `search_word` is the
-- vocabulary that typo correction matches misspelt words against with pg_trgm.

CREATE TABLE service_search (
  service_id  uuid PRIMARY KEY REFERENCES service (id) ON DELETE CASCADE,
  document    tsvector NOT NULL
);
CREATE INDEX service_search_document_idx ON service_search USING gin (document);

CREATE TABLE search_word (
  word  text PRIMARY KEY
);
CREATE INDEX search_word_trgm_idx ON search_word USING gin (word gin_trgm_ops);

-- Recomputes the search document of the given services, and adds their words to the vocabulary.
CREATE FUNCTION refresh_service_search(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO service_search (service_id, document)
  SELECT s.id,
         setweight(to_tsvector('english', s.name), 'A') ||
         setweight(to_tsvector('english', coalesce(string_agg(t.name, ' '), '')), 'A') ||
         setweight(to_tsvector('english', coalesce(string_agg(array_to_string(t.synonyms, ' '), ' '), '')), 'B') ||
         setweight(to_tsvector('english', o.name), 'B') ||
         setweight(to_tsvector('english', s.description), 'C')
    FROM service s
    JOIN organization o ON o.id = s.organization_id
    LEFT JOIN service_taxonomy_term st ON st.service_id = s.id
    LEFT JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
   WHERE s.id = ANY (ids)
   GROUP BY s.id, o.name
  ON CONFLICT (service_id) DO UPDATE SET document = EXCLUDED.document;

  INSERT INTO search_word (word)
  SELECT DISTINCT w
    FROM service s JOIN organization o ON o.id = s.organization_id,
         regexp_split_to_table(lower(s.name || ' ' || s.description || ' ' || o.name), '[^[:alpha:]]+') AS w
   WHERE s.id = ANY (ids) AND length(w) >= 3
  ON CONFLICT DO NOTHING;
END
$$;

-- Statement-level triggers see all changed rows at once, so a bulk load refreshes in one pass.
CREATE FUNCTION service_search_on_service() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_service_search(ARRAY(SELECT id FROM changed));
  RETURN NULL;
END
$$;
CREATE TRIGGER service_search_insert AFTER INSERT ON service
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION service_search_on_service();
CREATE TRIGGER service_search_update AFTER UPDATE ON service
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION service_search_on_service();

CREATE FUNCTION service_search_on_term_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_service_search(ARRAY(SELECT DISTINCT service_id FROM changed));
  RETURN NULL;
END
$$;
CREATE TRIGGER service_search_link_insert AFTER INSERT ON service_taxonomy_term
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION service_search_on_term_link();
CREATE TRIGGER service_search_link_delete AFTER DELETE ON service_taxonomy_term
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION service_search_on_term_link();

CREATE FUNCTION service_search_on_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_service_search(ARRAY(SELECT s.id FROM service s JOIN changed c ON c.id = s.organization_id));
  RETURN NULL;
END
$$;
CREATE TRIGGER service_search_org_update AFTER UPDATE ON organization
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION service_search_on_organization();

-- Taxonomy names and synonyms are words people type too.
INSERT INTO search_word (word)
SELECT DISTINCT w
  FROM taxonomy_term t,
       regexp_split_to_table(lower(t.name || ' ' || array_to_string(t.synonyms, ' ')), '[^[:alpha:]]+') AS w
 WHERE length(w) >= 3
ON CONFLICT DO NOTHING;

-- Indexes the search filters use.
CREATE INDEX service_status_idx ON service (status);
CREATE INDEX service_taxonomy_term_service_idx ON service_taxonomy_term (service_id);
