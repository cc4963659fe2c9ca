-- The social prescribing activity taxonomy with the synonyms search uses. Ids are fixed so
-- that ORUK consumers and the demo data see the same term ids on every install.

CREATE TABLE taxonomy (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL UNIQUE,
  description  text NOT NULL,
  uri          text,
  version      text
);

CREATE TABLE taxonomy_term (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  taxonomy_id  uuid NOT NULL REFERENCES taxonomy (id) ON DELETE CASCADE,
  -- A stable, readable key for the term (the API and the matcher speak in codes).
  code         text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9-]*$'),
  name         text NOT NULL,
  description  text NOT NULL,
  parent_id    uuid REFERENCES taxonomy_term (id),
  term_uri     text,
  -- Everyday words people use for this kind of activity ("knitting", "blokes").
  synonyms     text[] NOT NULL DEFAULT '{}'
);

-- Which activity types a service offers (published in ORUK as service attributes).
CREATE TABLE service_taxonomy_term (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_id        uuid NOT NULL REFERENCES service (id) ON DELETE CASCADE,
  taxonomy_term_id  uuid NOT NULL REFERENCES taxonomy_term (id) ON DELETE CASCADE,
  UNIQUE (service_id, taxonomy_term_id)
);
CREATE INDEX service_taxonomy_term_term_idx ON service_taxonomy_term (taxonomy_term_id);

INSERT INTO taxonomy (id, name, description, version) VALUES
  ('b17df540-59ca-4770-a2c0-dbcc28039989', 'Connector social prescribing activities', 'Activity types for social prescribing: what a person might go to, and the practical help that comes first.', '1');

INSERT INTO taxonomy_term (id, taxonomy_id, code, name, description, parent_id, synonyms) VALUES
  ('fd29e9aa-b41c-4946-b952-69ab766c80e7', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'peer-support', 'Peer support', 'Groups where people with shared experience support each other.', NULL,
   ARRAY['support group', 'self-help', 'lived experience', 'talking group', 'recovery group', 'mutual aid']),
  ('d7507b91-f360-4254-8896-142ef0e4fd8c', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'social-groups', 'Social groups', 'Clubs, lunch clubs, coffee mornings and other ways to meet people.', NULL,
   ARRAY['social club', 'lunch club', 'coffee morning', 'tea', 'chat', 'friendship', 'company', 'meet people', 'cafe', 'bingo', 'cards', 'dominoes', 'darts', 'pub', 'quiz']),
  ('0848ff91-902f-47ed-8c8b-2aaf2094dca6', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'arts-and-crafts', 'Arts and crafts', 'Making things together: painting, pottery, knitting, sewing and more.', NULL,
   ARRAY['knitting', 'crochet', 'sewing', 'quilting', 'embroidery', 'painting', 'drawing', 'pottery', 'craft', 'crafts', 'art', 'woodwork', 'card making']),
  ('232be493-c8ec-44c6-a1b0-722ed7d7e738', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'music-and-singing', 'Music and singing', 'Choirs, singing groups, bands and music making.', NULL,
   ARRAY['choir', 'singing', 'sing', 'music', 'band', 'ukulele', 'karaoke', 'guitar', 'drumming', 'singing for the brain']),
  ('1b4a61f9-b07b-472e-b713-133a51871295', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'exercise-and-sport', 'Exercise and sport', 'Classes and clubs for keeping active, from chair exercise to football.', NULL,
   ARRAY['exercise', 'fitness', 'zumba', 'yoga', 'tai chi', 'chair exercise', 'chair yoga', 'swimming', 'football', 'bowls', 'dance', 'dancing', 'pilates', 'gym', 'badminton', 'table tennis', 'keep fit']),
  ('3c7fb0cf-e5f9-42b8-9ad7-812f4e9d8bbd', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'walking', 'Walking', 'Led walks and walking groups at every pace.', NULL,
   ARRAY['walk', 'walks', 'walking group', 'rambling', 'ramble', 'stroll', 'health walk', 'nordic walking']),
  ('ebbb3f21-e345-4c9c-8bbc-98c55d389929', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'gardening-and-nature', 'Gardening and nature', 'Community gardens, allotments, conservation and time outdoors.', NULL,
   ARRAY['gardening', 'garden', 'allotment', 'growing', 'nature', 'conservation', 'outdoors', 'park', 'birdwatching', 'green gym']),
  ('4d66e19b-b747-447d-beab-520f04deb35e', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'befriending', 'Befriending', 'A regular visit or call from a volunteer befriender.', NULL,
   ARRAY['befriender', 'befriending', 'companion', 'home visit', 'telephone friendship', 'phone buddy', 'friendly call', 'visiting']),
  ('6a03da9e-ca20-4ad8-8c2e-d1af782aed90', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'bereavement', 'Bereavement', 'Support for people who have lost someone close.', NULL,
   ARRAY['bereavement', 'grief', 'loss', 'widow', 'widower', 'bereaved', 'mourning']),
  ('8df2061b-3528-4241-a1cc-d8f8c844a5d4', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'parent-and-baby', 'Parent and baby', 'Groups for new parents with babies and toddlers.', NULL,
   ARRAY['parent and baby', 'mum', 'mums', 'mother', 'baby', 'babies', 'toddler', 'stay and play', 'new parents', 'dads', 'buggy', 'pram', 'breastfeeding', 'postnatal', 'young parents']),
  ('d95b2bf1-19c0-4bd4-936c-32211d37e427', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'mens-groups', 'Men''s groups', 'Groups run by and for men: sheds, clubs, talking groups.', NULL,
   ARRAY['men''s group', 'men', 'blokes', 'lads', 'fellas', 'gents', 'men''s shed', 'shed', 'brothers']),
  ('0f6997b6-9583-44b7-b413-8ecccbc3c9e3', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'learning-and-skills', 'Learning and skills', 'Classes, courses and clubs for learning something new.', NULL,
   ARRAY['learning', 'class', 'course', 'education', 'esol', 'english', 'language', 'lesson', 'book club', 'reading', 'history', 'quiz']),
  ('98e1c372-b41b-453e-a083-b882740438bb', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'volunteering', 'Volunteering', 'Ways to give time and help others.', NULL,
   ARRAY['volunteer', 'volunteering', 'helping', 'giving back']),
  ('b461595d-e13b-403a-a180-21152532e15a', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'faith-and-culture', 'Faith and culture', 'Faith groups and cultural or heritage communities.', NULL,
   ARRAY['faith', 'church', 'mosque', 'temple', 'gurdwara', 'synagogue', 'culture', 'cultural', 'heritage', 'prayer']),
  ('6bb4bdd2-dc46-41c8-b733-8f8960a143c8', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'digital-skills', 'Digital skills', 'Help using computers, phones, tablets and the internet.', NULL,
   ARRAY['computer', 'computers', 'internet', 'digital', 'smartphone', 'tablet', 'ipad', 'email', 'online', 'it help']),
  ('6e2873b2-7413-4c2e-9c4a-2efc3110afaf', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'practical-support', 'Practical support', 'Advice and help with the practical problems that come first.', NULL,
   ARRAY['advice', 'practical help', 'help']),
  ('af9468da-a55e-4eba-9eab-97a7d4d91cd9', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'housing', 'Housing', 'Advice on housing, tenancy, repairs and eviction.', '6e2873b2-7413-4c2e-9c4a-2efc3110afaf',
   ARRAY['housing', 'eviction', 'evicted', 'homeless', 'homelessness', 'landlord', 'rent', 'tenancy', 'repairs']),
  ('ceaafc42-fbc0-41ff-a2e7-0479d4a3fc8f', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'debt-and-benefits', 'Debt and benefits', 'Advice on debt, benefits, bills and money.', '6e2873b2-7413-4c2e-9c4a-2efc3110afaf',
   ARRAY['debt', 'benefits', 'universal credit', 'money', 'pension credit', 'bills', 'budgeting', 'cost of living', 'money advice']),
  ('8afbe17f-bc5f-47a2-a7a1-79be36fd330c', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'employment', 'Employment', 'Help finding and keeping work.', '6e2873b2-7413-4c2e-9c4a-2efc3110afaf',
   ARRAY['job', 'jobs', 'work', 'employment', 'cv', 'interview', 'careers', 'unemployed']),
  ('b1e3a4fb-1639-48ba-b4d3-9afe49c7ede2', 'b17df540-59ca-4770-a2c0-dbcc28039989', 'food', 'Food', 'Food banks, community meals and pantries.', '6e2873b2-7413-4c2e-9c4a-2efc3110afaf',
   ARRAY['food bank', 'foodbank', 'food', 'meals', 'community fridge', 'pantry', 'community meal', 'hungry']);
