/// \file Uniform random scores from the model's own seeded generator.
#include "cost_model/random_model.h"

#include "cost_model/model_file.h"

namespace worldtune::cost_model {

std::vector<float> RandomModel::predict(const search::SearchTask &,
                                        const std::vector<schedule::State> &states) {
  std::vector<float> out(states.size());
  for (float &v : out) v = static_cast<float>(rng_.uniform_real());
  return out;
}

void RandomModel::save(const std::string &path) const {
  write_model_file(path, {{"format", kModelFormat}, {"model", "random"}});
}

void RandomModel::load(const std::string &path) { read_model_file(path, "random"); }

}  // namespace worldtune::cost_model
