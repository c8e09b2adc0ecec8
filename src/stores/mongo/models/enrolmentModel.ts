import { Schema, type Connection, type Model } from 'mongoose';

/** One document per user who answered a nudge or has a requirement's grace period running. */
export type EnrolmentDoc = {
  _id: string;
  snoozedUntil: Date | null;
  declinedAt: Date | null;
  /** Grace period starts by requirement (`second_factor`, `phishing_resistant`). */
  grace: Record<string, Date>;
};

const schema = new Schema<EnrolmentDoc>(
  {
    _id: { type: String, required: true },
    // No defaults: an upsert that sets one field must not also write another's default.
    snoozedUntil: { type: Date },
    declinedAt: { type: Date },
    grace: { type: Schema.Types.Mixed },
  },
  { collection: 'stepguard_enrolment', versionKey: false, minimize: false },
);

export function enrolmentModel(connection: Connection): Model<EnrolmentDoc> {
  return (connection.models.StepGuardEnrolment as Model<EnrolmentDoc>) ?? connection.model('StepGuardEnrolment', schema);
}
