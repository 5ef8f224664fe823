BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0005');
CREATE TABLE digest_run (
	"key" VARCHAR(80) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	posted_at DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE feedback (
	id VARCHAR(32) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	category VARCHAR(32) NOT NULL, 
	text VARCHAR(2000), 
	submitted_on DATE NOT NULL, 
	PRIMARY KEY (id)
)
 WITHOUT ROWID

;
CREATE TABLE improvement_action (
	id VARCHAR(32) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	practice_id VARCHAR(64) NOT NULL, 
	title VARCHAR(200) NOT NULL, 
	owner_id VARCHAR(32) NOT NULL, 
	adopted_by VARCHAR(32) NOT NULL, 
	due_on DATE NOT NULL, 
	construct_id VARCHAR(64) NOT NULL, 
	success_measure VARCHAR(300) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	progress_note VARCHAR(500), 
	outcome_note VARCHAR(500), 
	created_at DATETIME NOT NULL, 
	closed_at DATETIME, 
	before_round_id VARCHAR(32), 
	before_value FLOAT, 
	before_low FLOAT, 
	before_high FLOAT, 
	after_round_id VARCHAR(32), 
	after_value FLOAT, 
	after_low FLOAT, 
	after_high FLOAT, 
	PRIMARY KEY (id)
);
CREATE TABLE outbox_message (
	id INTEGER NOT NULL, 
	dedupe_key VARCHAR(160) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	recipient VARCHAR(32) NOT NULL, 
	channel_id VARCHAR(32), 
	round_id VARCHAR(32), 
	payload JSON, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	claimed_at DATETIME, 
	sent_at DATETIME, 
	message_ts VARCHAR(32), 
	last_error VARCHAR(300), 
	PRIMARY KEY (id), 
	UNIQUE (dedupe_key)
);
INSERT INTO "outbox_message" VALUES(1,'pulse:f1d3603d0011def9855e8c4264a472a0:UB5N2JD2I1F','pulse','UB5N2JD2I1F','DB5N2JD2I1F','f1d3603d0011def9855e8c4264a472a0','null','sent',0,'2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','1795988055.778695',NULL);
INSERT INTO "outbox_message" VALUES(2,'reminder:f1d3603d0011def9855e8c4264a472a0:UB5N2JD2I1F','pulse_reminder','UB5N2JD2I1F',NULL,'f1d3603d0011def9855e8c4264a472a0','null','pending',0,'2026-11-26 09:00:00.000000',NULL,NULL,NULL,NULL);
INSERT INTO "outbox_message" VALUES(3,'pulse:f1d3603d0011def9855e8c4264a472a0:U23FT48MYKE','pulse','U23FT48MYKE','D23FT48MYKE','f1d3603d0011def9855e8c4264a472a0','null','sent',0,'2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','1795988055.786111',NULL);
INSERT INTO "outbox_message" VALUES(4,'reminder:f1d3603d0011def9855e8c4264a472a0:U23FT48MYKE','pulse_reminder','U23FT48MYKE',NULL,'f1d3603d0011def9855e8c4264a472a0','null','pending',0,'2026-11-26 09:00:00.000000',NULL,NULL,NULL,NULL);
INSERT INTO "outbox_message" VALUES(5,'pulse:f1d3603d0011def9855e8c4264a472a0:UZ1UA54BT6K','pulse','UZ1UA54BT6K','DZ1UA54BT6K','f1d3603d0011def9855e8c4264a472a0','null','sent',0,'2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','1795988055.790187',NULL);
INSERT INTO "outbox_message" VALUES(6,'reminder:f1d3603d0011def9855e8c4264a472a0:UZ1UA54BT6K','pulse_reminder','UZ1UA54BT6K',NULL,'f1d3603d0011def9855e8c4264a472a0','null','pending',0,'2026-11-26 09:00:00.000000',NULL,NULL,NULL,NULL);
INSERT INTO "outbox_message" VALUES(7,'pulse:f1d3603d0011def9855e8c4264a472a0:UNDJ227OFBL','pulse','UNDJ227OFBL','DNDJ227OFBL','f1d3603d0011def9855e8c4264a472a0','null','sent',0,'2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','1795988055.868550',NULL);
INSERT INTO "outbox_message" VALUES(8,'reminder:f1d3603d0011def9855e8c4264a472a0:UNDJ227OFBL','pulse_reminder','UNDJ227OFBL',NULL,'f1d3603d0011def9855e8c4264a472a0','null','pending',0,'2026-11-26 09:00:00.000000',NULL,NULL,NULL,NULL);
INSERT INTO "outbox_message" VALUES(9,'pulse:f1d3603d0011def9855e8c4264a472a0:UGASP8KIVQA','pulse','UGASP8KIVQA','DGASP8KIVQA','f1d3603d0011def9855e8c4264a472a0','null','sent',0,'2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','1795988055.867435',NULL);
INSERT INTO "outbox_message" VALUES(10,'reminder:f1d3603d0011def9855e8c4264a472a0:UGASP8KIVQA','pulse_reminder','UGASP8KIVQA',NULL,'f1d3603d0011def9855e8c4264a472a0','null','pending',0,'2026-11-26 09:00:00.000000',NULL,NULL,NULL,NULL);
INSERT INTO "outbox_message" VALUES(11,'pulse:f1d3603d0011def9855e8c4264a472a0:UZ4FR5H1ORK','pulse','UZ4FR5H1ORK','DZ4FR5H1ORK','f1d3603d0011def9855e8c4264a472a0','null','sent',0,'2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','1795988055.885968',NULL);
INSERT INTO "outbox_message" VALUES(12,'reminder:f1d3603d0011def9855e8c4264a472a0:UZ4FR5H1ORK','pulse_reminder','UZ4FR5H1ORK',NULL,'f1d3603d0011def9855e8c4264a472a0','null','pending',0,'2026-11-26 09:00:00.000000',NULL,NULL,NULL,NULL);
INSERT INTO "outbox_message" VALUES(13,'pulse:f1d3603d0011def9855e8c4264a472a0:UVBPLKGUYHN','pulse','UVBPLKGUYHN','DVBPLKGUYHN','f1d3603d0011def9855e8c4264a472a0','null','sent',0,'2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','1795988055.868057',NULL);
INSERT INTO "outbox_message" VALUES(14,'reminder:f1d3603d0011def9855e8c4264a472a0:UVBPLKGUYHN','pulse_reminder','UVBPLKGUYHN',NULL,'f1d3603d0011def9855e8c4264a472a0','null','pending',0,'2026-11-26 09:00:00.000000',NULL,NULL,NULL,NULL);
INSERT INTO "outbox_message" VALUES(15,'pulse:f1d3603d0011def9855e8c4264a472a0:U2PNZTADO0G','pulse','U2PNZTADO0G','D2PNZTADO0G','f1d3603d0011def9855e8c4264a472a0','null','sent',0,'2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','2026-11-24 09:00:00.000000','1795988055.878838',NULL);
INSERT INTO "outbox_message" VALUES(16,'reminder:f1d3603d0011def9855e8c4264a472a0:U2PNZTADO0G','pulse_reminder','U2PNZTADO0G',NULL,'f1d3603d0011def9855e8c4264a472a0','null','pending',0,'2026-11-26 09:00:00.000000',NULL,NULL,NULL,NULL);
CREATE TABLE policy (
	id VARCHAR(32) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	name VARCHAR(120) NOT NULL, 
	link VARCHAR(500) NOT NULL, 
	owner_id VARCHAR(32) NOT NULL, 
	review_interval_months INTEGER NOT NULL, 
	last_reviewed_on DATE, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE policy_review (
	id VARCHAR(32) NOT NULL, 
	policy_id VARCHAR(32) NOT NULL, 
	reviewed_on DATE NOT NULL, 
	reviewed_by VARCHAR(32) NOT NULL, 
	summary VARCHAR(500) NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(policy_id) REFERENCES policy (id)
);
CREATE TABLE processed_request (
	"key" VARCHAR(160) NOT NULL, 
	seen_at DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "processed_request" VALUES('command:222ea96eb6782907f195c64b11259655193a1b6f72d200b57e2544c178bb78ef','2026-11-24 09:00:00.000000');
INSERT INTO "processed_request" VALUES('block_actions:01a0d498cd4249895e471dde463ff959df992f48f4fe0eecb511c24f318f81fc','2026-11-24 09:00:00.000000');
CREATE TABLE published_update (
	id VARCHAR(32) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	action_id VARCHAR(32), 
	text VARCHAR(1000) NOT NULL, 
	destination VARCHAR(16) NOT NULL, 
	published_at DATETIME NOT NULL, 
	published_by VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE pulse_optout (
	"key" VARCHAR(64) NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE round_participation (
	"key" VARCHAR(64) NOT NULL, 
	round_id VARCHAR(32) NOT NULL, 
	PRIMARY KEY ("key"), 
	FOREIGN KEY(round_id) REFERENCES survey_round (id)
)
 WITHOUT ROWID

;
INSERT INTO "round_participation" VALUES('224c00fb0edb2a046d0bfa87594d60bbfca1b252ee55bb4013e36b9f47bafc05','f1d3603d0011def9855e8c4264a472a0');
CREATE TABLE support_follow_up (
	session_id VARCHAR(32) NOT NULL, 
	due_on DATE NOT NULL, 
	snoozes INTEGER NOT NULL, 
	done_at DATETIME, 
	PRIMARY KEY (session_id), 
	FOREIGN KEY(session_id) REFERENCES support_session (id) ON DELETE CASCADE
);
CREATE TABLE support_session (
	id VARCHAR(32) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	supporter_id VARCHAR(32) NOT NULL, 
	session_date DATE NOT NULL, 
	duration_minutes INTEGER NOT NULL, 
	category VARCHAR(64) NOT NULL, 
	contact_channel VARCHAR(32) NOT NULL, 
	outcome VARCHAR(64) NOT NULL, 
	follow_up_on DATE, 
	note VARCHAR(500), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME, 
	PRIMARY KEY (id)
);
CREATE TABLE support_training (
	id VARCHAR(32) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	supporter_id VARCHAR(32) NOT NULL, 
	course_id VARCHAR(64), 
	title VARCHAR(150) NOT NULL, 
	completed_on DATE NOT NULL, 
	hours FLOAT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE survey_answer (
	id VARCHAR(32) NOT NULL, 
	round_id VARCHAR(32) NOT NULL, 
	question_id VARCHAR(64) NOT NULL, 
	construct_id VARCHAR(64) NOT NULL, 
	value INTEGER, 
	text VARCHAR(2000), 
	answered_on DATE NOT NULL, 
	ballot VARCHAR(64), 
	PRIMARY KEY (id), 
	FOREIGN KEY(round_id) REFERENCES survey_round (id), 
	UNIQUE (round_id, question_id, ballot)
)
 WITHOUT ROWID

;
INSERT INTO "survey_answer" VALUES('8d05fb1e2c074d94e0b7f2a56db11261','f1d3603d0011def9855e8c4264a472a0','psafe_speak_up','psych_safety',1,NULL,'2026-11-24','87bc906ba3d48edff5158d59bbbb44f9');
CREATE TABLE survey_round (
	id VARCHAR(32) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	schedule_key VARCHAR(80) NOT NULL, 
	question_ids JSON NOT NULL, 
	opened_at DATETIME NOT NULL, 
	closes_at DATETIME NOT NULL, 
	closed_at DATETIME, 
	invited INTEGER NOT NULL, 
	answered_final INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (team_id, schedule_key)
);
INSERT INTO "survey_round" VALUES('f1d3603d0011def9855e8c4264a472a0','T0PEERPULSE','manual:a844db27ac6e0b25cbc10d2279cfb7c0','["psafe_speak_up", "aware_reach", "experienced_negative", "trust_confidential", "witnessed_negative", "open_comment"]','2026-11-24 09:00:00.000000','2026-11-27 09:00:00.000000',NULL,8,NULL);
CREATE INDEX ix_outbox_due ON outbox_message (status, next_attempt_at);
CREATE INDEX ix_outbox_message_round_id ON outbox_message (round_id);
CREATE INDEX ix_processed_request_seen_at ON processed_request (seen_at);
CREATE INDEX ix_survey_round_closes_at ON survey_round (closes_at);
CREATE INDEX ix_round_participation_round_id ON round_participation (round_id);
CREATE INDEX ix_survey_answer_construct_id ON survey_answer (construct_id);
CREATE INDEX ix_support_session_supporter_created ON support_session (supporter_id, created_at);
CREATE INDEX ix_support_session_team_date ON support_session (team_id, session_date);
CREATE INDEX ix_support_follow_up_due_on ON support_follow_up (due_on);
CREATE INDEX ix_support_training_supporter_completed ON support_training (supporter_id, completed_on);
CREATE INDEX ix_feedback_submitted_on ON feedback (submitted_on);
CREATE INDEX ix_improvement_action_status ON improvement_action (status);
CREATE INDEX ix_policy_team_id ON policy (team_id);
CREATE INDEX ix_policy_review_policy_id ON policy_review (policy_id);
CREATE INDEX ix_published_update_team_published ON published_update (team_id, published_at);
CREATE INDEX ix_survey_answer_round_question_value ON survey_answer (round_id, question_id, value);
COMMIT;
