"""fink test: the app member is a troposphere template with a hook (everything of one stack works for a member)."""
from troposphere import GetAtt, Output, Parameter, Ref, Tags, Template
from troposphere.sns import Topic

from fink import fink_signals


def generate_template():
    t = Template(Description="fink test: the app stack of the group")
    name = t.add_parameter(Parameter("Name", Type="String"))
    upstream = t.add_parameter(Parameter("Upstream", Type="String"))
    other = t.add_parameter(Parameter("Other", Type="String"))
    t.add_parameter(Parameter("Token", Type="String", NoEcho=True))
    topic = t.add_resource(Topic("Topic", TopicName=Ref(name),
                                 Tags=Tags(upstream=Ref(upstream), other=Ref(other))))
    t.add_output(Output("TopicArn", Value=Ref(topic)))
    t.add_output(Output("TopicName", Value=GetAtt(topic, "TopicName")))
    return t


def get_stack_policy():
    return {"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]}


def _seen(params):
    context, config = params
    print(f"app hook: outputs {sorted(context.get('stack_output', {}))}, "
          f"token {config['cloud']['parameters']['Token']}")


def register():
    fink_signals.command_finalized.connect(_seen)


def deregister():
    fink_signals.command_finalized.disconnect(_seen)
